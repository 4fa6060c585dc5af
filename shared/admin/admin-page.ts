/**
 * The admin web page (the mailbox list of Dynamics, with Approve, Test & Enable and Disable), served by the
 * app itself: one HTML document plus its stylesheet and script from static/admin/ (plain files, no
 * framework, no CDN; outside shared/ because the deployment package ships dist/, not the sources — see
 * .funcignore), under a strict Content-Security-Policy. The page calls the admin API with a bearer token the
 * administrator brings (production would use MSAL.js with auth code + PKCE; out of scope offline).
 *
 * Sandbox only: with SYNC_ADMIN_SANDBOX_MANIFEST_URL set (loopback, see config.ts), "Sandbox sign-in" asks
 * this app for a token; it reads the sandbox admin client from the manifest and gets the token server-side,
 * so the browser never talks to the identity emulator (Entra ID itself refuses cross-origin client
 * credentials, and the emulator must not accept what Entra refuses).
 *
 * Route: /api/console, not /api/admin: the Functions host rejects HTTP routes starting with "admin"
 * ("The specified route conflicts with one or more built in routes"; its own admin API lives at /admin).
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { packageRoot } from '../app-info';
import type { SyncConfig } from '../config';
import { errorResponse } from '../http-errors';
import { createTokenProvider, TokenAcquisitionError, type TokenProvider } from '../identity/token-provider';

export const CONSOLE_ROUTE = 'console';

export interface PageResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  jsonBody?: unknown;
}

const ASSETS: Record<string, string> = {
  'admin.css': 'text/css; charset=utf-8',
  'admin.js': 'text/javascript; charset=utf-8',
};

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!));

/** `/api/console` → `/api`: the base the page's script calls the API under (whatever the route prefix). */
export function apiBaseOf(requestUrl: string): string {
  return new URL(requestUrl).pathname.replace(new RegExp(`/${CONSOLE_ROUTE}(/.*)?$`, 'i'), '');
}

const FAVICON = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0f6cbd"/><path d="M8 12h13l-4-4M24 20H11l4 4" stroke="#fff" stroke-width="2.6" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>')}`;

export function renderAdminPage(config: Pick<SyncConfig, 'adminApiAudience' | 'adminSandboxManifestUrl'>, requestUrl: string): PageResponse {
  const base = apiBaseOf(requestUrl);
  const attr = (s: string) => escapeHtml(s);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mailboxes · CRM ↔ Exchange sync</title>
<link rel="icon" href="${FAVICON}">
<link rel="stylesheet" href="${attr(base)}/${CONSOLE_ROUTE}/assets/admin.css">
<script src="${attr(base)}/${CONSOLE_ROUTE}/assets/admin.js" defer></script>
</head>
<body data-api-base="${attr(base)}" data-audience="${attr(config.adminApiAudience)}" data-sandbox-sign-in="${config.adminSandboxManifestUrl ? 'true' : 'false'}">
<header class="topbar">
  <div class="brand"><span class="brand-mark" aria-hidden="true">⇄</span><span>CRM ↔ Exchange sync</span></div>
  <div class="who" id="who"><span id="who-name" class="who-name">Not signed in</span><button type="button" class="btn btn-quiet" id="sign-in-open">Sign in</button><button type="button" class="btn btn-quiet" id="sign-out" hidden>Sign out</button></div>
</header>
<main>
  <div class="heading">
    <div>
      <h1>Mailboxes</h1>
      <p class="subtitle">Server-side synchronization of appointments, contacts and tasks between Dynamics 365 and Exchange Online.</p>
    </div>
    <div class="heading-actions">
      <span class="refresh-note" id="refresh-note" aria-live="polite"></span>
      <button type="button" class="btn" id="refresh">Refresh</button>
    </div>
  </div>
  <nav class="filters" id="filters" aria-label="Filter by status">
    <button type="button" class="chip is-active" data-filter="all">All <span class="count" data-count="all">0</span></button>
    <button type="button" class="chip" data-filter="notRun">Not run <span class="count" data-count="notRun">0</span></button>
    <button type="button" class="chip" data-filter="running">Running <span class="count" data-count="running">0</span></button>
    <button type="button" class="chip" data-filter="success">Success <span class="count" data-count="success">0</span></button>
    <button type="button" class="chip" data-filter="failure">Failure <span class="count" data-count="failure">0</span></button>
  </nav>
  <div class="banner" id="banner" role="alert" hidden></div>
  <div class="card">
    <table class="grid" id="grid">
      <thead>
        <tr>
          <th scope="col">User</th>
          <th scope="col">Appointments</th>
          <th scope="col">Contacts</th>
          <th scope="col">Tasks</th>
          <th scope="col">Approval</th>
          <th scope="col">Status</th>
          <th scope="col">Last sync</th>
          <th scope="col">Initial sync</th>
          <th scope="col">Alerts</th>
          <th scope="col" class="col-actions">Actions</th>
        </tr>
      </thead>
      <tbody id="rows"></tbody>
    </table>
    <div class="empty" id="empty">
      <p class="empty-title">Sign in to see the mailboxes</p>
      <p>The admin API needs an Entra ID token for <code>${attr(config.adminApiAudience)}</code> with the <code>Sync.Admin</code> role.</p>
    </div>
  </div>
  <p class="footnote">Every CRM user appears here without registration. Set the sync method per record type, approve, then Test &amp; Enable: the test runs in the background and the initial sync brings every open row the user owns into their mailbox.</p>
</main>
<div class="toasts" id="toasts" aria-live="polite"></div>
<dialog id="sign-in" class="dialog" aria-labelledby="sign-in-title">
  <form method="dialog" id="sign-in-form">
    <h2 id="sign-in-title">Sign in to the admin API</h2>
    <p>Paste an Entra ID access token whose audience is <code>${attr(config.adminApiAudience)}</code> and which carries the <code>Sync.Admin</code> app role (for example one acquired with MSAL for <code>${attr(config.adminApiAudience)}/.default</code>).</p>
    <label for="token-input">Bearer token</label>
    <textarea id="token-input" rows="5" spellcheck="false" autocomplete="off" placeholder="eyJ0eXAiOiJKV1Qi…"></textarea>
    <p class="dialog-error" id="sign-in-error" role="alert" hidden></p>
    <div class="dialog-actions">
      <button type="button" class="btn btn-accent" id="sandbox-sign-in" hidden>Sandbox sign-in</button>
      <span class="spacer"></span>
      <button type="button" class="btn" id="sign-in-cancel">Cancel</button>
      <button type="submit" class="btn btn-primary" id="sign-in-submit">Sign in</button>
    </div>
    <p class="sandbox-note" id="sandbox-note" hidden>Sandbox: signs in as the sandbox's admin app (client credentials, fetched by this app from the sandbox manifest).</p>
  </form>
</dialog>
</body>
</html>
`;
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS }, body: html };
}

const assetCache = new Map<string, string>();

/** Folder of the page's static files, in the package root (deployed as is, not compiled). */
export const STATIC_DIR = ['static', 'admin'];

/** The page's stylesheet and script, from static/admin (read once). Unknown names → 404. */
export function adminAsset(name: string): PageResponse {
  const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined; // not inherited: "toString" is no asset
  if (!type) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not found' };
  let body = assetCache.get(name);
  if (body === undefined) {
    body = fs.readFileSync(path.join(packageRoot(), ...STATIC_DIR, name), 'utf8');
    assetCache.set(name, body);
  }
  return { status: 200, headers: { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }, body };
}

interface SandboxManifest {
  authority?: string;
  clients?: { admin?: { clientId: string; clientSecret: string; scope: string } };
}

let sandboxTokens: { key: string; provider: TokenProvider; scope: string } | undefined;

/** Sandbox sign-in: a token of the sandbox's admin client, fetched here. 404 unless the sandbox setting is present. */
export async function sandboxToken(config: Pick<SyncConfig, 'adminSandboxManifestUrl'>): Promise<PageResponse> {
  const url = config.adminSandboxManifestUrl;
  if (!url) return errorResponse(404, 'NotFound', 'Sandbox sign-in is not enabled on this app (SYNC_ADMIN_SANDBOX_MANIFEST_URL is not set)');
  let manifest: SandboxManifest;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    manifest = await res.json() as SandboxManifest;
  } catch (error) {
    return errorResponse(503, 'SandboxUnavailable', `The sandbox manifest at ${url} cannot be read (${(error as Error).message}): is the sandbox running?`);
  }
  const admin = manifest.clients?.admin;
  if (!admin || !manifest.authority) return errorResponse(503, 'SandboxUnavailable', `The sandbox manifest at ${url} has no admin client yet (the sandbox may still be starting)`);
  const key = `${manifest.authority}|${admin.clientId}|${admin.clientSecret}`;
  if (sandboxTokens?.key !== key) {
    sandboxTokens = { key, scope: admin.scope, provider: createTokenProvider({ authority: manifest.authority, clientId: admin.clientId, clientSecret: admin.clientSecret }) };
  }
  try {
    const accessToken = await sandboxTokens.provider.getToken(sandboxTokens.scope);
    const exp = decodeJwt(accessToken).exp;
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      jsonBody: { accessToken, expiresOn: exp ? new Date(exp * 1000).toISOString() : null },
    };
  } catch (error) {
    if (error instanceof TokenAcquisitionError) return errorResponse(502, 'SandboxSignInFailed', error.message);
    throw error;
  }
}
