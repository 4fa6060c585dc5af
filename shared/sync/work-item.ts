/**
 * A work item: what the webhooks and timers put on the sync queue and the worker takes off it. Each one
 * means "this record may have changed": the worker reconciles the current state of both sides rather than
 * replaying the event, so duplicates and out-of-order deliveries converge. Items stay small (a queue
 * message holds 64 KB once base64-encoded), which is why an oversize image (or a delta page's copy of an item) is left out and re-read.
 */
import { z } from 'zod';

export const RECORD_TYPES = ['task', 'contact', 'appointment'] as const;
export const CRM_TABLE_BY_RECORD_TYPE = { task: 'task', contact: 'contact', appointment: 'appointment' } as const;

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i).transform((s) => s.toLowerCase());

export const crmChangeSchema = z.object({
  kind: z.literal('crmChange'),
  recordType: z.enum(RECORD_TYPES),
  crmId: guid,
  message: z.enum(['Create', 'Update', 'Delete', 'Assign', 'SetState', 'Reconcile']),
  /** versionnumber of the row after the change, when the image carried it. */
  versionNumber: z.string().optional(),
  modifiedOn: z.string().optional(),
  /** The post image in Web API shape, when the step registered one and it fit. */
  postImage: z.record(z.string(), z.unknown()).optional(),
  /** Owner before the change (pre image), so an owner change can leave the old mailbox. */
  previousOwnerId: guid.optional(),
  /** systemuserid of the caller, and of the user it acted for (impersonation). */
  initiatingUserId: guid.optional(),
  userId: guid.optional(),
  /** Dataverse's CorrelationId; our own correlation id is `correlationId`. */
  dataverseCorrelationId: z.string().optional(),
  correlationId: z.string().min(1),
  receivedAt: z.string(),
  /** x-ms-dynamics-msg-size-exceeded: images were dropped by Dataverse; read the row. */
  sizeExceeded: z.boolean().optional(),
  /** Part of a mailbox's initial sync (progress is counted on the mailbox). */
  initialSyncOf: guid.optional(),
});

export const graphChangeSchema = z.object({
  kind: z.literal('graphChange'),
  recordType: z.enum(RECORD_TYPES),
  /** Graph user id (Entra object id) of the mailbox. */
  mailboxUserId: guid,
  graphId: z.string().min(1),
  /** To Do list id, for tasks. */
  containerId: z.string().optional(),
  changeType: z.enum(['created', 'updated', 'deleted']),
  /** resourceData @odata.etag: equal to the link's → our own write echoing, skipped without a read. */
  etag: z.string().optional(),
  /**
   * The item as the delta page that found it listed it (To Do tasks: delta-round.ts), when it fit: the worker
   * uses it instead of reading the item if it is newer than what the link synced (decide.ts carriedItemIsFresh).
   */
  item: z.record(z.string(), z.unknown()).optional(),
  subscriptionId: z.string().optional(),
  correlationId: z.string().min(1),
  receivedAt: z.string(),
});

export const graphLifecycleSchema = z.object({
  kind: z.literal('graphLifecycle'),
  subscriptionId: z.string().min(1),
  lifecycleEvent: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']),
  correlationId: z.string().min(1),
  receivedAt: z.string(),
});

/** Runs a mailbox's Test & Enable (asynchronously, as in Dynamics). */
export const mailboxTestSchema = z.object({
  kind: z.literal('mailboxTest'),
  systemUserId: guid,
  correlationId: z.string().min(1),
  receivedAt: z.string(),
});

export const workItemSchema = z.discriminatedUnion('kind', [crmChangeSchema, graphChangeSchema, graphLifecycleSchema, mailboxTestSchema]);

export type CrmChange = z.infer<typeof crmChangeSchema>;
export type GraphChangeItem = z.infer<typeof graphChangeSchema>;
export type GraphLifecycleItem = z.infer<typeof graphLifecycleSchema>;
export type MailboxTestItem = z.infer<typeof mailboxTestSchema>;
export type WorkItem = z.infer<typeof workItemSchema>;
export type RecordTypeName = (typeof RECORD_TYPES)[number];

/** Largest serialized work item we enqueue (64 KB queue limit, base64 inflates by 4/3). */
export const MAX_WORK_ITEM_BYTES = 45 * 1024;

/** Does the work item, serialized, fit in a queue message (MAX_WORK_ITEM_BYTES)? */
export function fitsWorkItem(item: WorkItem): boolean {
  return Buffer.byteLength(JSON.stringify(item)) <= MAX_WORK_ITEM_BYTES;
}
