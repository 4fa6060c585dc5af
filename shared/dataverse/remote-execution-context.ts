/**
 * Parses the body Dataverse POSTs to a webhook service endpoint (a RemoteExecutionContext in DataContract
 * JSON) and turns it into a work item. Strict where we depend on a field, tolerant of fields Dataverse
 * adds over time (the newer InitiatingUserAzureActiveDirectoryObjectId etc. are optional).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { BadRequestError } from '../errors';
import { RECORD_TYPES, MAX_WORK_ITEM_BYTES, crmChangeSchema, type CrmChange, type RecordTypeName } from '../sync/work-item';
import { isPostImageAlias, PRE_IMAGE_ALIAS } from '../registration/dataverse-registration';
import { entityToRow, IMAGE_ALIAS_ANNOTATION, type DataContractEntity } from './data-contract';

const keyValue = z.object({ key: z.string(), value: z.unknown() });
const entity = z.object({
  Attributes: z.array(keyValue),
  FormattedValues: z.array(z.object({ key: z.string(), value: z.string() })).optional(),
  Id: z.string(),
  LogicalName: z.string(),
}).passthrough();
const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');

export const remoteExecutionContextSchema = z.object({
  MessageName: z.string().min(1),
  PrimaryEntityName: z.string().min(1),
  PrimaryEntityId: guid,
  InitiatingUserId: guid,
  UserId: guid,
  CorrelationId: z.string().optional(),
  Depth: z.number().int().optional(),
  Stage: z.number().int().optional(),
  Mode: z.number().int().optional(),
  OrganizationId: guid.optional(),
  InputParameters: z.array(keyValue).optional(),
  PreEntityImages: z.array(z.object({ key: z.string(), value: entity })).optional(),
  PostEntityImages: z.array(z.object({ key: z.string(), value: entity })).optional(),
}).passthrough();

export type RemoteExecutionContext = z.infer<typeof remoteExecutionContextSchema>;

const SUPPORTED_MESSAGES = new Set(['Create', 'Update', 'Delete', 'Assign', 'SetState', 'SetStateDynamicEntity']);

export interface ParseOptions {
  sizeExceeded: boolean;
  correlationId?: string;
  now?: Date;
}

/** Parses the raw body; throws BadRequestError (400, or 404 for a table we do not sync) with a precise message. */
export function parseRemoteExecutionContext(body: unknown): RemoteExecutionContext {
  const parsed = remoteExecutionContextSchema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new BadRequestError(`Not a Dataverse RemoteExecutionContext: ${first}`, 400, 'InvalidRemoteExecutionContext');
  }
  return parsed.data;
}

/**
 * The row of our image among the context's images (an asynchronous step also gets Dataverse's own
 * `AsynchronousStepPrimaryName` post image), annotated with its alias (IMAGE_ALIAS_ANNOTATION): the worker
 * trusts the absence of an attribute only in an image registered with the columns it maps.
 */
function imageRow(images: RemoteExecutionContext['PostEntityImages'], ours: (alias: string) => boolean): Record<string, unknown> | undefined {
  const image = images?.find((i) => ours(i.key)) ?? images?.[0];
  return image?.value ? { ...entityToRow(image.value as DataContractEntity), [IMAGE_ALIAS_ANNOTATION]: image.key } : undefined;
}

/** The work item for one webhook delivery. */
export function toCrmChange(context: RemoteExecutionContext, options: ParseOptions): CrmChange {
  const recordType = context.PrimaryEntityName as RecordTypeName;
  if (!(RECORD_TYPES as readonly string[]).includes(recordType)) {
    throw new BadRequestError(`Table '${context.PrimaryEntityName}' is not synchronized (only ${RECORD_TYPES.join(', ')})`, 400, 'UnsupportedTable');
  }
  if (!SUPPORTED_MESSAGES.has(context.MessageName)) {
    throw new BadRequestError(`Message '${context.MessageName}' is not handled (Create, Update, Delete, Assign, SetState)`, 400, 'UnsupportedMessage');
  }
  let post: Record<string, unknown> | undefined;
  let pre: Record<string, unknown> | undefined;
  let targetRow: Record<string, unknown> | undefined;
  try {
    post = imageRow(context.PostEntityImages, isPostImageAlias);
    pre = imageRow(context.PreEntityImages, (alias) => alias === PRE_IMAGE_ALIAS);
    const target = context.InputParameters?.find((p) => p.key === 'Target')?.value as DataContractEntity | undefined;
    targetRow = target && Array.isArray(target.Attributes) ? entityToRow(target) : undefined;
  } catch (error) {
    // The schema checks the envelope only; values nested deeper (entity collections...) can still be
    // malformed. That is the sender's fault: a 400, never a crash.
    throw new BadRequestError(`Not a Dataverse RemoteExecutionContext: an entity image or the Target cannot be read (${(error as Error).message})`, 400, 'InvalidRemoteExecutionContext');
  }
  const versionNumber = post?.versionnumber ?? targetRow?.versionnumber;
  const modifiedOn = post?.modifiedon ?? targetRow?.modifiedon;
  const message = context.MessageName === 'SetStateDynamicEntity' ? 'SetState' : (context.MessageName as CrmChange['message']);
  const change: CrmChange = {
    kind: 'crmChange',
    recordType,
    crmId: context.PrimaryEntityId.toLowerCase(),
    message,
    ...(versionNumber !== undefined && versionNumber !== null ? { versionNumber: String(versionNumber) } : {}),
    ...(typeof modifiedOn === 'string' ? { modifiedOn } : {}),
    ...(post && message !== 'Delete' ? { postImage: post } : {}),
    ...(typeof pre?._ownerid_value === 'string' ? { previousOwnerId: pre._ownerid_value } : {}),
    initiatingUserId: context.InitiatingUserId.toLowerCase(),
    userId: context.UserId.toLowerCase(),
    ...(context.CorrelationId ? { dataverseCorrelationId: context.CorrelationId } : {}),
    correlationId: options.correlationId ?? randomUUID(),
    receivedAt: (options.now ?? new Date()).toISOString(),
    ...(options.sizeExceeded ? { sizeExceeded: true } : {}),
  };
  // An image too large for a queue message is dropped: the worker reads the row instead.
  if (change.postImage && Buffer.byteLength(JSON.stringify(change)) > MAX_WORK_ITEM_BYTES) delete change.postImage;
  // Never enqueue what the worker would refuse (it would only be poisoned) or what the queue cannot hold
  // (the output binding would fail: a 500, and Dataverse retrying the same delivery for nothing).
  const checked = crmChangeSchema.safeParse(change);
  if (!checked.success) {
    const issues = checked.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new BadRequestError(`Not a Dataverse RemoteExecutionContext: ${issues}`, 400, 'InvalidRemoteExecutionContext');
  }
  if (Buffer.byteLength(JSON.stringify(checked.data)) > MAX_WORK_ITEM_BYTES) {
    throw new BadRequestError(`Not a Dataverse RemoteExecutionContext: its fields do not fit in a work item of ${MAX_WORK_ITEM_BYTES} bytes`, 400, 'InvalidRemoteExecutionContext');
  }
  return checked.data;
}
