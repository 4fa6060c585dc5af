/**
 * On-demand rotation of a mailbox's Graph clientState secrets (the admin API's
 * `POST /api/mailboxes/{systemUserId}/rotate-client-state`; `npm run mailbox -- rotate-client-state`), e.g.
 * after a suspected leak. Each of the mailbox's subscriptions is replaced by a new one with a new clientState,
 * and the old one deleted at once: from then on, a notification carrying an old clientState is dropped. What
 * Graph still had in flight for an old subscription is caught up by a delta round (a `missed` lifecycle work
 * item for the new one, which the worker turns into the same round reconciliation runs).
 */
import { randomUUID } from 'node:crypto';
import { BadRequestError } from '../errors';
import type { RotationResult } from '../subscriptions/subscription-manager';
import type { GraphLifecycleItem } from '../sync/work-item';
import type { Runtime } from '../runtime';

export interface ClientStateRotationReport {
  systemUserId: string;
  displayName: string;
  /** One entry per subscription rotated (none: the mailbox has no Graph subscriptions). */
  rotated: RotationResult[];
  /** False when a rotation failed or an old subscription could not be deleted (see each `error`). */
  complete: boolean;
}

export async function rotateClientStates(rt: Runtime, systemUserId: string, now = Date.now()): Promise<ClientStateRotationReport> {
  const mailbox = await rt.services.mailboxes.get(systemUserId);
  if (!mailbox) throw new BadRequestError(`No mailbox for CRM user ${systemUserId}`, 404, 'NotFound');
  const rotated = await rt.subscriptions.rotateMailbox(mailbox, now);
  const catchUp: GraphLifecycleItem[] = rotated
    .filter((r) => r.subscriptionId && r.previousRemoved)
    .map((r) => ({ kind: 'graphLifecycle', subscriptionId: r.subscriptionId!, lifecycleEvent: 'missed', correlationId: randomUUID(), receivedAt: new Date(now).toISOString() }));
  if (catchUp.length > 0) await rt.workQueue.send(catchUp);
  const complete = rotated.every((r) => !r.error);
  rt.log.log(complete ? 'information' : 'warning', 'clientState rotation on demand', {
    systemUserId: mailbox.systemUserId, rotated: rotated.filter((r) => r.subscriptionId).length, failed: rotated.filter((r) => r.error).length,
    errors: rotated.filter((r) => r.error).map((r) => `${r.recordType}: ${r.error}`).join('; '),
  });
  return { systemUserId: mailbox.systemUserId, displayName: mailbox.displayName, rotated, complete };
}
