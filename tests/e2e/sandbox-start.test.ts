/**
 * What a newcomer does first: `npm start` (here: the compiled sandbox launcher, on free ports so that it can
 * run beside other tests) prints where everything listens, `GET /api/health` answers 200 well within 30 s,
 * the manifest describes the sandbox, and Ctrl+C stops it all.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../../shared/app-info';
import { freePorts } from '../../tools/azurite';

jest.setTimeout(90_000);

test('npm start: the sandbox starts, reports its URLs, answers /api/health and stops on SIGINT', async () => {
  const [functions, identity, graph, dataverse] = await freePorts(4);
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(packageRoot(), 'dist', 'tools', 'sandbox', 'start.js')], {
    cwd: packageRoot(),
    env: {
      ...process.env, SANDBOX_FUNCTIONS_PORT: String(functions), SANDBOX_IDENTITY_PORT: String(identity), SANDBOX_GRAPH_PORT: String(graph),
      SANDBOX_DATAVERSE_PORT: String(dataverse), SANDBOX_AZURITE_FREE_PORTS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => { if (output.includes('sandbox is running')) { clearInterval(timer); resolve(); } }, 100);
      void exited.then((code) => { clearInterval(timer); reject(new Error(`npm start exited (${code}):\n${output}`)); });
    });
    expect(output).toContain(`https://127.0.0.1:${functions}/api`);
    expect(output).toContain(`https://127.0.0.1:${identity}/sandbox/manifest`);

    const health = await fetch(`https://127.0.0.1:${functions}/api/health`);
    const elapsed = Date.now() - started;
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy', name: 'crm-exchange-sync', version: expect.any(String), storage: { reachable: true } });
    expect(elapsed).toBeLessThan(30_000);

    const manifest = await (await fetch(`https://127.0.0.1:${identity}/sandbox/manifest`)).json() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(manifest).toMatchObject({
      tenantId: expect.any(String),
      authority: `https://127.0.0.1:${identity}/${manifest.tenantId}`,
      caCertificate: expect.stringContaining('BEGIN CERTIFICATE'),
      urls: { functions: `https://127.0.0.1:${functions}/api`, identity: `https://127.0.0.1:${identity}`, graph: `https://127.0.0.1:${graph}/v1.0`, dataverse: `https://127.0.0.1:${dataverse}` },
      clients: {
        sync: { clientId: expect.any(String), clientSecret: expect.any(String) },
        admin: { clientId: expect.any(String), clientSecret: expect.any(String), scope: expect.stringMatching(/\/\.default$/) },
        people: { clientId: expect.any(String), clientSecret: expect.any(String) },
      },
    });
    expect(manifest.users.length).toBeGreaterThanOrEqual(2);
    for (const u of manifest.users) expect(Object.keys(u).sort()).toEqual(['displayName', 'entraObjectId', 'systemUserId', 'userPrincipalName']);
  } finally {
    child.kill('SIGINT');
  }
  expect(await exited).toBe(0);
  expect(output).toContain('Stopping the sandbox');
});
