/**
 * The admin API's operations, free of Functions types: each authenticates the caller (Entra ID token with
 * the Sync.Admin role), runs one mailbox operation, and shapes the answer. Errors an administrator can
 * act on come back as `{ error: { code, message } }` with their 4xx status.
 */
import { BadRequestError } from '../errors';
import { errorResponse } from '../http-errors';
import type { ActStatus } from '../mailboxes/mailbox';
import type { Runtime } from '../runtime';
import { rotateClientStates } from './client-state-rotation';

export interface AdminResponse {
  status: number;
  jsonBody?: unknown;
}

/** A PATCH body is a few sync methods: far below this. */
export const MAX_ADMIN_BODY_BYTES = 64 * 1024;

const ACT_STATUSES: ActStatus[] = ['notRun', 'running', 'success', 'failure'];

async function guarded(rt: Runtime, authorization: string | null, run: () => Promise<AdminResponse>): Promise<AdminResponse> {
  try {
    await rt.authenticateAdmin(authorization);
    return await run();
  } catch (error) {
    if (error instanceof BadRequestError) return errorResponse(error.status, error.code, error.message);
    throw error;
  }
}

export function listMailboxes(rt: Runtime, authorization: string | null, actStatus: string | null): Promise<AdminResponse> {
  return guarded(rt, authorization, async () => {
    if (actStatus !== null && !ACT_STATUSES.includes(actStatus as ActStatus)) {
      throw new BadRequestError(`actStatus must be one of ${ACT_STATUSES.join(', ')}`, 400, 'InvalidFilter');
    }
    const all = await rt.mailboxService.refreshFromCrm();
    return { status: 200, jsonBody: { value: actStatus ? all.filter((m) => m.actStatus === actStatus) : all } };
  });
}

export function getMailbox(rt: Runtime, authorization: string | null, systemUserId: string): Promise<AdminResponse> {
  return guarded(rt, authorization, async () => {
    const mailbox = await rt.mailboxService.find(systemUserId);
    if (!mailbox) throw new BadRequestError(`No mailbox for CRM user ${systemUserId}`, 404, 'NotFound');
    return { status: 200, jsonBody: mailbox };
  });
}

export function patchMailbox(rt: Runtime, authorization: string | null, systemUserId: string, rawBody: string): Promise<AdminResponse> {
  return guarded(rt, authorization, async () => {
    if (Buffer.byteLength(rawBody) > MAX_ADMIN_BODY_BYTES) {
      throw new BadRequestError(`Body of ${Buffer.byteLength(rawBody)} bytes exceeds ${MAX_ADMIN_BODY_BYTES}`, 413, 'PayloadTooLarge');
    }
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      throw new BadRequestError('Body is not valid JSON', 400, 'InvalidJson');
    }
    const methods = (body as { syncMethods?: unknown } | null)?.syncMethods;
    if (!methods || typeof methods !== 'object' || Array.isArray(methods)) {
      throw new BadRequestError('Body must be { "syncMethods": { "appointments"|"contacts"|"tasks": "serverSideSync"|"none" } }', 400, 'InvalidBody');
    }
    return { status: 200, jsonBody: await rt.mailboxService.setSyncMethods(systemUserId, methods as Record<string, 'serverSideSync' | 'none'>) };
  });
}

export function mailboxAction(rt: Runtime, authorization: string | null, systemUserId: string, action: string): Promise<AdminResponse> {
  return guarded(rt, authorization, async () => {
    switch (action) {
      case 'approve':
        return { status: 200, jsonBody: await rt.mailboxService.setApproval(systemUserId, 'approved') };
      case 'reject':
        return { status: 200, jsonBody: await rt.mailboxService.setApproval(systemUserId, 'rejected') };
      case 'test-and-enable': {
        const { mailbox, item } = await rt.mailboxService.requestTestAndEnable(systemUserId);
        await rt.workQueue.send([item]);
        return { status: 202, jsonBody: mailbox };
      }
      case 'disable':
        return { status: 200, jsonBody: await rt.mailboxService.disable(systemUserId) };
      case 'rotate-client-state': {
        // 200 when every subscription was replaced and its predecessor deleted; 502 (Graph failed) with the
        // same report otherwise: a subscription whose replacement could not be created stands unchanged, one
        // whose predecessor could not be deleted leaves it valid until the next renewal pass deletes it.
        const report = await rotateClientStates(rt, systemUserId);
        if (report.complete) return { status: 200, jsonBody: report };
        const failures = report.rotated.filter((r) => r.error).map((r) => `${r.recordType}: ${r.error}`).join(' ');
        return { status: 502, jsonBody: { ...report, error: { code: 'RotationIncomplete', message: `clientState rotation of ${report.displayName} incomplete. ${failures}` } } };
      }
      default:
        throw new BadRequestError(`Unknown action '${action}' (approve, reject, test-and-enable, disable, rotate-client-state)`, 404, 'NotFound');
    }
  });
}
