/**
 * Checks the platform makes when registration rows are written, run inside the write's transaction so a
 * bad registration is refused as the real service refuses it (image rules with their documented error
 * codes: SdkMessageDoesNotSupportImageRegistration, SdkInvalidMessagePropertyName,
 * SdkMessageInvalidImageTypeRegistration, SdkMessageDoesNotSupportPostImageRegistration). Checks without a
 * documented code use InvalidArgument (0x80040203).
 */
import type { DataverseContext, DataverseOperation, Row } from './context';
import { parseAuthSettings } from './webhook-request';
import { lookupId, num, text } from './registration-rows';
import { AUTH_TYPE, CONTRACT_WEBHOOK, IMAGE_TYPE, STEP_MODE, STEP_STAGE } from './registration-tables';

/** The message property an image is taken from, per message (Create's image is of the created `Id`). */
const IMAGE_PROPERTY: Record<string, string> = { Create: 'Id', Update: 'Target', Delete: 'Target', Assign: 'Target', SetState: 'EntityMoniker', SetStateDynamicEntity: 'EntityMoniker' };

export const REGISTRATION_TABLE_NAMES = new Set(['serviceendpoint', 'sdkmessageprocessingstep', 'sdkmessageprocessingstepimage']);

export function validateRegistration(ctx: DataverseContext, operation: DataverseOperation): void {
  const row = operation.after;
  if (!row || operation.messageName === 'Delete') return;
  const invalid = (message: string): Error => ctx.dataverseError(400, '0x80040203', message);
  switch (operation.table.logicalName) {
    case 'serviceendpoint':
      return validateEndpoint(row, invalid);
    case 'sdkmessageprocessingstep':
      return validateStep(ctx, row, invalid);
    case 'sdkmessageprocessingstepimage':
      return validateImage(ctx, row, invalid);
    default:
  }
}

function validateEndpoint(row: Row, invalid: (m: string) => Error): void {
  if (num(row, 'contract') !== CONTRACT_WEBHOOK) return;
  const url = text(row, 'url') ?? '';
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol)) throw invalid(`A webhook service endpoint needs an absolute http or https url; got '${url}'.`);
  const authType = num(row, 'authtype');
  if (authType !== AUTH_TYPE.WebhookKey && authType !== AUTH_TYPE.HttpHeader && authType !== AUTH_TYPE.HttpQueryString) {
    throw invalid(`A webhook service endpoint's authtype must be 4 (WebhookKey), 5 (HttpHeader) or 6 (HttpQueryString); got ${String(authType)}.`);
  }
  const authValue = text(row, 'authvalue') ?? '';
  if (!authValue) throw invalid('A webhook service endpoint needs an authvalue.');
  if (authType !== AUTH_TYPE.WebhookKey && !parseAuthSettings(authValue)) {
    throw invalid('For HttpHeader and HttpQueryString the authvalue must be <settings><setting name="…" value="…" /></settings>.');
  }
}

function messageName(ctx: DataverseContext, messageId: string | undefined): string | undefined {
  if (!messageId) return undefined;
  const row = ctx.rows('sdkmessage').find((m) => String(m.sdkmessageid).toLowerCase() === messageId);
  return row ? text(row, 'name') : undefined;
}

function validateStep(ctx: DataverseContext, row: Row, invalid: (m: string) => Error): void {
  const messageId = lookupId(row, 'sdkmessageid');
  if (!messageName(ctx, messageId)) throw invalid(`sdkmessageid '${String(messageId)}' is not an sdkmessage.`);
  const filterId = lookupId(row, 'sdkmessagefilterid');
  if (filterId) {
    const filter = ctx.rows('sdkmessagefilter').find((f) => String(f.sdkmessagefilterid).toLowerCase() === filterId);
    if (!filter) throw invalid(`sdkmessagefilterid '${filterId}' is not an sdkmessagefilter.`);
    if (lookupId(filter, 'sdkmessageid') !== messageId) throw invalid('The sdkmessagefilter does not belong to the step\'s sdkmessage.');
  }
  if (num(row, 'mode') === STEP_MODE.Asynchronous && num(row, 'stage') !== STEP_STAGE.PostOperation) {
    throw invalid('An asynchronous step must be registered in the PostOperation stage (40).');
  }
  // The emulator hosts no plug-in assemblies: an event handler can only be a service endpoint.
  const handler = lookupId(row, 'eventhandler');
  if (!handler || !ctx.rows('serviceendpoint').some((e) => String(e.serviceendpointid).toLowerCase() === handler)) {
    throw invalid(`eventhandler '${String(handler)}' is not a serviceendpoint.`);
  }
}

function validateImage(ctx: DataverseContext, row: Row, invalid: (m: string) => Error): void {
  const stepId = lookupId(row, 'sdkmessageprocessingstepid');
  const step = ctx.rows('sdkmessageprocessingstep').find((s) => String(s.sdkmessageprocessingstepid).toLowerCase() === stepId);
  if (!step) throw invalid(`sdkmessageprocessingstepid '${String(stepId)}' is not a step.`);
  const message = messageName(ctx, lookupId(step, 'sdkmessageid')) ?? '';
  const expected = IMAGE_PROPERTY[message];
  if (!expected) throw ctx.dataverseError(400, '0x80044189', `Message '${message}' does not support image registration.`);
  const property = text(row, 'messagepropertyname') ?? '';
  if (property !== expected) throw ctx.dataverseError(400, '0x8004416b', `Message property name '${property}' is not valid on message ${message}.`);
  const imageType = num(row, 'imagetype');
  const wantsPre = imageType === IMAGE_TYPE.PreImage || imageType === IMAGE_TYPE.Both;
  const wantsPost = imageType === IMAGE_TYPE.PostImage || imageType === IMAGE_TYPE.Both;
  if ((message === 'Create' && wantsPre) || (message === 'Delete' && wantsPost)) {
    throw ctx.dataverseError(400, '0x8004416d', `Message ${message} does not support this image type.`);
  }
  if (wantsPost && num(step, 'stage') !== STEP_STAGE.PostOperation) {
    throw ctx.dataverseError(400, '0x8004416e', 'PreEvent step registration does not support Post Image.');
  }
}
