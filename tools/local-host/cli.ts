/**
 * `node dist/tools/local-host/cli.js [--app <glob>] [--app-root <dir>] [--host-json <file>] [--port <n>]
 *   [--cert <pem> --key <pem>] [--shutdown-timeout <ms>]`
 * Prints `Functions host listening on <url>` when ready; SIGTERM/SIGINT stop it gracefully (a second signal
 * exits at once). A startup error (e.g. the app's configuration rejecting a missing setting) exits with 1.
 */
import fs from 'node:fs';
import { startLocalHost, type LocalHostOptions } from './index';

const USAGE = 'usage: cli.js [--app <glob>] [--app-root <dir>] [--host-json <file>] [--port <n>] [--cert <pem file> --key <pem file>] [--shutdown-timeout <ms>]';

function parseArgs(argv: string[]): LocalHostOptions {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.split(/=(.*)/s, 2);
    const known = ['--app', '--app-root', '--host-json', '--port', '--cert', '--key', '--shutdown-timeout'];
    if (!name || !known.includes(name)) throw new Error(`Unknown argument '${arg}'\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value\n${USAGE}`);
    flags[name] = value;
  }
  const number = (flag: string): number | undefined => {
    if (flags[flag] === undefined) return undefined;
    const n = Number(flags[flag]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer`);
    return n;
  };
  if (!!flags['--cert'] !== !!flags['--key']) throw new Error('--cert and --key go together');
  return {
    app: flags['--app'],
    appRoot: flags['--app-root'],
    hostJson: flags['--host-json'],
    port: number('--port'),
    shutdownTimeoutMs: number('--shutdown-timeout'),
    tls: flags['--cert'] && flags['--key'] ? { cert: fs.readFileSync(flags['--cert']), key: fs.readFileSync(flags['--key']) } : undefined,
  };
}

async function main(): Promise<void> {
  const host = await startLocalHost(parseArgs(process.argv.slice(2)));
  console.log(`Functions host listening on ${host.url}`);
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) process.exit(1);
    signalled = true;
    console.log(`Received ${signal}.`);
    host.stop().then(() => process.exit(0), (error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

// A dev host should survive a handler's stray promise; the real worker logs these too.
process.on('unhandledRejection', (reason) => console.error('Unhandled promise rejection:', reason));
main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
