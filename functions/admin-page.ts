import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { adminAsset, CONSOLE_ROUTE, renderAdminPage, sandboxToken } from '../shared/admin/admin-page';
import { getConfig } from '../shared/config';

const config = getConfig();

/**
 * GET /api/console — the admin page (mailboxes: approve, Test & Enable, disable); GET /api/console/assets/{name}
 * its stylesheet and script; POST /api/console/sandbox-token its sandbox sign-in (only with the sandbox
 * setting). Anonymous: the page holds no data; every API call it makes carries the administrator's token.
 * Not /api/admin: the Functions host refuses routes starting with "admin" (see shared/admin/admin-page.ts).
 */
export async function adminPage(request: HttpRequest): Promise<HttpResponseInit> {
  return renderAdminPage(config, request.url);
}

export async function adminPageAsset(request: HttpRequest): Promise<HttpResponseInit> {
  return adminAsset(request.params.name ?? '');
}

export async function adminPageSandboxToken(): Promise<HttpResponseInit> {
  return sandboxToken(config);
}

app.http('adminPage', { route: CONSOLE_ROUTE, methods: ['GET'], authLevel: 'anonymous', handler: adminPage });
app.http('adminPageAsset', { route: `${CONSOLE_ROUTE}/assets/{name}`, methods: ['GET'], authLevel: 'anonymous', handler: adminPageAsset });
app.http('adminPageSandboxToken', { route: `${CONSOLE_ROUTE}/sandbox-token`, methods: ['POST'], authLevel: 'anonymous', handler: adminPageSandboxToken });
