import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { getMailbox, patchMailbox } from '../shared/admin/admin-api';
import { getRuntime } from '../shared/runtime';

const runtime = getRuntime();

/** GET / PATCH /api/mailboxes/{systemUserId} — one mailbox; PATCH sets its sync methods. */
export async function adminMailbox(request: HttpRequest): Promise<HttpResponseInit> {
  const id = request.params.systemUserId ?? '';
  const authorization = request.headers.get('authorization');
  if (request.method === 'GET') return getMailbox(runtime, authorization, id);
  return patchMailbox(runtime, authorization, id, await request.text());
}

app.http('adminMailbox', { route: 'mailboxes/{systemUserId:guid}', methods: ['GET', 'PATCH'], authLevel: 'anonymous', handler: adminMailbox });
