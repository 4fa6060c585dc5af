import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { mailboxAction } from '../shared/admin/admin-api';
import { getRuntime } from '../shared/runtime';

const runtime = getRuntime();

/** POST /api/mailboxes/{systemUserId}/{approve|reject|test-and-enable|disable|rotate-client-state} */
export async function adminMailboxAction(request: HttpRequest): Promise<HttpResponseInit> {
  return mailboxAction(runtime, request.headers.get('authorization'), request.params.systemUserId ?? '', request.params.action ?? '');
}

app.http('adminMailboxAction', { route: 'mailboxes/{systemUserId:guid}/{action}', methods: ['POST'], authLevel: 'anonymous', handler: adminMailboxAction });
