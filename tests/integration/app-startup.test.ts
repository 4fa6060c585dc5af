/**
 * The app refuses to start on a bad configuration, naming every missing or malformed setting — under the
 * local Functions host exactly as the real host would surface the module-load error.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { packageRoot } from '../../shared/app-info';
import { freePorts } from '../../tools/azurite';

const sample = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };

function runHost(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  return freePorts(1).then(([port]) => new Promise((resolve) => {
    const clean = Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const child = spawn(process.execPath, [path.join(packageRoot(), 'dist', 'tools', 'local-host', 'cli.js'), '--port', String(port)], {
      cwd: packageRoot(), env: clean, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, output }); });
  }));
}

test('a missing and a malformed setting stop start-up with one message naming both', async () => {
  const env: Record<string, string | undefined> = { ...sample.Values, SYNC_DATAVERSE_URL: undefined, SYNC_TENANT_ID: 'contoso' };
  const { code, output } = await runHost(env);
  expect(code).toBe(1);
  expect(output).toContain('Invalid configuration (2 settings)');
  expect(output).toContain('SYNC_DATAVERSE_URL: is required');
  expect(output).toContain('SYNC_TENANT_ID: must be a GUID');
  expect(output).not.toContain('listening on');
});
