/**
 * `npm run mailbox -- <command>` (node dist/tools/mailbox-cli/cli.js): the mailbox flow of Dynamics —
 * sync methods, approval, Test & Enable, disable, status — over the app's admin API, as the web page does.
 * Options and exit codes: args.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Mailbox } from '../../shared/mailboxes/mailbox';
import { AdminClient, CliError } from './admin-client';
import { parseCliArgs, UsageError, USAGE, type CliArgs, type Command } from './args';
import { caFileFor, resolveConnection } from './connection';
import { formatList, formatMailbox, formatRotation, LiveLine, progressBar, statusText } from './render';
import { findMailbox, isSystemUserId } from './users';

export interface CliIo {
  out: { write(text: string): unknown; isTTY?: boolean };
  err: { write(text: string): unknown };
  /** Poll interval while waiting (tests shorten it). */
  pollMs?: number;
}

async function resolveUser(client: AdminClient, query: string): Promise<Mailbox> {
  // A systemuserid is looked up directly (a user not listed yet still resolves); anything else by the list.
  if (isSystemUserId(query)) return client.get(query.trim().replace(/[{}]/g, ''));
  return findMailbox(await client.list(), query);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows Test & Enable: the test (running), then the initial sync's progress. True on success. */
async function follow(client: AdminClient, mailbox: Mailbox, timeoutSeconds: number, io: CliIo): Promise<{ ok: boolean; mailbox: Mailbox }> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const line = new LiveLine(io.out);
  const spinner = ['|', '/', '-', '\\'];
  let tick = 0;
  let current = mailbox;
  for (;;) {
    if (current.actStatus === 'failure') {
      line.done();
      return { ok: false, mailbox: current };
    }
    if (current.actStatus === 'success') {
      const p = current.initialSync;
      line.update(`Initial sync  ${progressBar(p)}`);
      if (p.done + p.failed >= p.total) {
        line.done();
        return { ok: p.failed === 0, mailbox: current };
      }
    } else if (current.actStatus === 'running') {
      // The spinner only moves on a terminal; a log gets one "testing" line.
      line.update(`Testing the mailbox of ${current.displayName} ${io.out.isTTY ? spinner[tick++ % spinner.length] : '...'}`);
    } else {
      line.done();
      throw new CliError(`Test & Enable of ${current.displayName} stopped: status is ${current.actStatus} (disabled meanwhile?)`);
    }
    if (Date.now() > deadline) {
      line.done();
      throw new CliError(`Gave up waiting after ${timeoutSeconds} s (status ${statusText(current)}); the test goes on: check with \`npm run mailbox -- status ${current.emailAddress}\``);
    }
    await sleep(io.pollMs ?? 1000);
    current = await client.get(current.systemUserId);
  }
}

async function run(command: Command, client: AdminClient, json: boolean, io: CliIo): Promise<number> {
  const print = (text: string) => io.out.write(`${text}\n`);
  const show = (m: Mailbox, text: string) => print(json ? JSON.stringify(m, null, 2) : text);
  if (command.name === 'list') {
    const mailboxes = await client.list(command.status);
    print(json ? JSON.stringify(mailboxes, null, 2) : formatList(mailboxes));
    return 0;
  }
  if (command.name === 'rotate-client-state') return rotateClientStates(client, command, json, io);
  const mailbox = await resolveUser(client, command.user);
  const id = mailbox.systemUserId;
  switch (command.name) {
    case 'status':
      show(mailbox, formatMailbox(mailbox));
      return 0;
    case 'set': {
      const m = await client.setSyncMethods(id, command.methods);
      show(m, `Sync methods of ${m.displayName}: appointments ${m.syncMethods.appointments}, contacts ${m.syncMethods.contacts}, tasks ${m.syncMethods.tasks}` +
        (m.enabled ? ' (applied now: the mailbox is enabled)' : ''));
      return 0;
    }
    case 'approve': case 'reject': {
      const m = await client.action(id, command.name);
      show(m, `${m.displayName}: ${m.approval}${m.approval === 'approved' && !m.enabled ? '. Next: npm run mailbox -- test-and-enable ' + m.emailAddress : ''}`);
      return 0;
    }
    case 'disable': {
      const m = await client.action(id, 'disable');
      show(m, `${m.displayName}: sync disabled. Items already in the mailbox stay there, unlinked.`);
      return 0;
    }
    case 'test-and-enable': {
      const started = await client.action(id, 'test-and-enable');
      if (!command.wait) {
        show(started, `Test & Enable of ${started.displayName} started (status ${started.actStatus}). Follow it with: npm run mailbox -- status ${started.emailAddress}`);
        return 0;
      }
      if (!json) print(`Test & Enable of ${started.displayName} <${started.emailAddress}> started.`);
      const { ok, mailbox: end } = await follow(client, started, command.timeoutSeconds, json ? { ...io, out: { write: () => undefined } } : io);
      if (json) {
        print(JSON.stringify(end, null, 2));
      } else if (end.actStatus === 'failure') {
        print(`Test & Enable FAILED: ${end.lastError ?? 'no reason given'}`);
      } else {
        print(`Test & Enable succeeded: ${end.displayName} is syncing; initial sync ${end.initialSync.done} created${end.initialSync.failed > 0 ? `, ${end.initialSync.failed} FAILED (see the alerts: npm run mailbox -- status ${end.emailAddress})` : ''}.`);
      }
      return ok ? 0 : 1;
    }
  }
}

/**
 * rotate-client-state: one mailbox, or every enabled one (each attempted even when another fails). Exit 1
 * when any rotation failed or left an old subscription undeleted.
 */
async function rotateClientStates(client: AdminClient, command: Extract<Command, { name: 'rotate-client-state' }>, json: boolean, io: CliIo): Promise<number> {
  const print = (text: string) => io.out.write(`${text}\n`);
  const targets = command.all ? (await client.list()).filter((m) => m.enabled) : [await resolveUser(client, command.user!)];
  if (command.all && !json) print(`Rotating the clientStates of ${targets.length} enabled mailbox(es).`);
  const reports: unknown[] = [];
  let failed = 0;
  for (const m of targets) {
    try {
      const report = await client.rotateClientState(m.systemUserId);
      reports.push(report);
      if (!json) print(formatRotation(report));
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      failed += 1;
      reports.push({ systemUserId: m.systemUserId, displayName: m.displayName, error: error.message });
      if (!json) print(`${m.displayName}: FAILED ${error.message}`);
    }
  }
  if (json) print(JSON.stringify(command.all ? reports : reports[0], null, 2));
  return failed > 0 ? 1 : 0;
}

export async function main(argv: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv, env);
    if (args.help) {
      io.out.write(`${USAGE}\n`);
      return 0;
    }
    const client = new AdminClient(await resolveConnection(args.connection));
    return await run(args.command!, client, args.json, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof CliError) {
      io.err.write(`Error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/**
 * Node trusts extra CAs only from NODE_EXTRA_CA_CERTS, read at start-up: when the CLI needs one (--ca, the
 * sandbox's certificate) that is not trusted yet, it runs itself again once with it (added to any CA file
 * already configured).
 */
function restartWithCa(argv: string[]): number | undefined {
  let ca: string | undefined;
  try {
    ca = caFileFor(parseCliArgs(argv, process.env).connection);
  } catch {
    return undefined; // main() reports usage errors
  }
  const current = process.env.NODE_EXTRA_CA_CERTS ? path.resolve(process.env.NODE_EXTRA_CA_CERTS) : undefined;
  if (!ca || current === ca || process.env.MAILBOX_CLI_CA_RESTARTED) return undefined;
  let file = ca;
  if (current && fs.existsSync(current)) {
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mailbox-cli-')), 'ca.pem');
    fs.writeFileSync(file, `${fs.readFileSync(current, 'utf8')}\n${fs.readFileSync(ca, 'utf8')}`);
  }
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, ...argv], {
    stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: file, MAILBOX_CLI_CA_RESTARTED: '1' },
  });
  if (file !== ca) fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return child.status ?? 1;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const restarted = restartWithCa(argv);
  if (restarted !== undefined) {
    process.exitCode = restarted;
  } else {
    main(argv, process.env, { out: process.stdout, err: process.stderr }).then(
      (code) => { process.exitCode = code; },
      (error: unknown) => {
        process.stderr.write(`Unexpected error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
        process.exitCode = 1;
      },
    );
  }
}
