/**
 * Starts the real Azure Storage emulator (the `azurite` npm package) as a child process, in memory, on
 * loopback. `require('azurite')` cannot be used in-process (its `main` is the VS Code extension), hence the
 * child process. `--skipApiVersionCheck` is needed because current SDKs send API versions newer than
 * Azurite 3.35 knows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuritePorts {
  blob: number;
  queue: number;
  table: number;
}

export interface RunningAzurite {
  ports: AzuritePorts;
  /** A full connection string (what `UseDevelopmentStorage=true` means, with these ports). */
  connectionString: string;
  stop(): Promise<void>;
}

export const DEFAULT_AZURITE_PORTS: AzuritePorts = { blob: 10000, queue: 10001, table: 10002 };

export function azuriteConnectionString(ports: AzuritePorts, host = '127.0.0.1'): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=http://${host}:${ports.blob}/${AZURITE_ACCOUNT};` +
    `QueueEndpoint=http://${host}:${ports.queue}/${AZURITE_ACCOUNT};` +
    `TableEndpoint=http://${host}:${ports.table}/${AZURITE_ACCOUNT};`
  );
}

/** Asks the OS for free loopback ports (bind to 0, read, close). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export function waitForPort(port: number, host: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = net.connect({ port, host });
      socket.once('connect', () => { socket.destroy(); resolve(); });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`Nothing listens on ${host}:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

function azuriteEntryPoint(): string {
  return path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
}

/**
 * Starts Azurite. With `ports` omitted, picks free ports (what tests want, so that test files run in
 * parallel); the sandbox passes the well-known 10000-10002.
 */
export async function startAzurite(options: { ports?: AzuritePorts; host?: string } = {}): Promise<RunningAzurite> {
  const host = options.host ?? '127.0.0.1';
  let ports = options.ports;
  if (!ports) {
    const [blob, queue, table] = await freePorts(3);
    ports = { blob: blob!, queue: queue!, table: table! };
  }
  const child: ChildProcess = spawn(process.execPath, [
    azuriteEntryPoint(), '--inMemoryPersistence', '--silent', '--skipApiVersionCheck', '--loose',
    '--disableTelemetry',
    '--blobHost', host, '--blobPort', String(ports.blob),
    '--queueHost', host, '--queuePort', String(ports.queue),
    '--tableHost', host, '--tablePort', String(ports.table),
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await Promise.race([
      Promise.all([ports.blob, ports.queue, ports.table].map((p) => waitForPort(p, host, 20000))),
      exited.then((code) => { throw new Error(`Azurite exited with code ${code} before listening: ${stderr.trim()}`); }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const finalPorts = ports;
  return {
    ports: finalPorts,
    connectionString: azuriteConnectionString(finalPorts, host),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
