/** The admin page's server side: the document and its policy, its assets, and the sandbox sign-in's guard rails. */
import fs from 'node:fs';
import path from 'node:path';
import { adminAsset, apiBaseOf, renderAdminPage, sandboxToken, STATIC_DIR } from '../../shared/admin/admin-page';
import { loadConfig } from '../../shared/config';

const sample = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> }).Values;

test('the page is served under the API prefix it was requested with, with a strict CSP and no inline script', () => {
  expect(apiBaseOf('https://app.example/api/console')).toBe('/api');
  expect(apiBaseOf('https://app.example/api/console/')).toBe('/api');
  expect(apiBaseOf('https://app.example/sync/api/Console')).toBe('/sync/api');
  const page = renderAdminPage({ adminApiAudience: 'api://crm-exchange-sync', adminSandboxManifestUrl: undefined }, 'https://app.example/api/console');
  expect(page.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'content-security-policy': expect.stringContaining("script-src 'self'") });
  expect(page.headers!['content-security-policy']).not.toContain('unsafe-inline');
  expect(page.body).toContain('<script src="/api/console/assets/admin.js" defer></script>');
  expect(page.body).not.toMatch(/<script>|<script [^>]*>[^<]/);
  expect(page.body).toContain('data-sandbox-sign-in="false"');
  expect(renderAdminPage({ adminApiAudience: 'api://x"y', adminSandboxManifestUrl: 'https://127.0.0.1:7300/sandbox/manifest' }, 'https://h/api/console').body)
    .toContain('data-audience="api://x&quot;y" data-sandbox-sign-in="true"');
});

test('the page\'s static files ship in the deployment package (.funcignore leaves them in)', () => {
  const root = path.join(__dirname, '..', '..');
  const patterns = fs.readFileSync(path.join(root, '.funcignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  // gitignore-style: a pattern naming the folder, a parent, or the files' extensions would drop them.
  const dropping = patterns.filter((p) => /^\/?static(\/|$)|^\/?static\/admin|^\*|\*\.(js|css)$/.test(p));
  expect(dropping).toEqual([]);
  for (const file of ['admin.js', 'admin.css']) expect(fs.existsSync(path.join(root, ...STATIC_DIR, file))).toBe(true);
});

test('only the page\'s own assets are served', () => {
  expect(adminAsset('admin.js')).toMatchObject({ status: 200, headers: { 'content-type': 'text/javascript; charset=utf-8' } });
  expect(adminAsset('admin.css').body).toContain('.badge-success');
  expect(adminAsset('../../../package.json').status).toBe(404);
  expect(adminAsset('admin-page.ts').status).toBe(404);
});

test('sandbox sign-in: off without the setting; the setting only takes a manifest on this machine', async () => {
  await expect(sandboxToken({ adminSandboxManifestUrl: undefined })).resolves.toMatchObject({ status: 404, jsonBody: { error: { code: 'NotFound' } } });
  expect(loadConfig({ ...sample, SYNC_ADMIN_SANDBOX_MANIFEST_URL: '' }).adminSandboxManifestUrl).toBeUndefined();
  expect(loadConfig(sample).adminSandboxManifestUrl).toBe('https://127.0.0.1:7300/sandbox/manifest');
  expect(() => loadConfig({ ...sample, SYNC_ADMIN_SANDBOX_MANIFEST_URL: 'https://contoso-sync.azurewebsites.net/sandbox/manifest' }))
    .toThrow(/SYNC_ADMIN_SANDBOX_MANIFEST_URL: must be the sandbox manifest on this machine/);
});
