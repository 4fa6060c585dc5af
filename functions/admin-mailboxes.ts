import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { listMailboxes } from '../shared/admin/admin-api';
import { getRuntime } from '../shared/runtime';

const runtime = getRuntime();

/** GET /api/mailboxes[?actStatus=...] — every CRM user's mailbox (admin token with Sync.Admin). */
export async function adminListMailboxes(request: HttpRequest): Promise<HttpResponseInit> {
  return listMailboxes(runtime, request.headers.get('authorization'), request.query.get('actStatus'));
}

app.http('adminListMailboxes', { route: 'mailboxes', methods: ['GET'], authLevel: 'anonymous', handler: adminListMailboxes });
