/**
 * Registers what our sync needs in Dataverse, idempotently, through the Web API (what an administrator
 * would otherwise click in the Plug-in Registration Tool): one webhook service endpoint (contract 8,
 * WebhookKey auth with our function key) and, on appointment, task and contact, asynchronous
 * post-operation steps for Create, Update, Delete and Assign — Update filtered on the mapped columns —
 * with a post image of the mapped columns (so the worker need not read the row) and a pre image of the
 * owner (so an owner change can leave the old mailbox). Stale steps it created before are removed.
 * Running it twice changes nothing the second time. The key itself is write-only in Dataverse, so the
 * endpoint's description carries a short hash of it to detect a change.
 *
 * The post image is versioned: its alias is `PostImage_<8 hex of sha256 of its attribute list>`. Dataverse
 * leaves null attributes out of an image, so only an image known to have been registered with every column
 * the worker maps tells a null (absent) from a column it was never asked for; the worker recomputes the alias
 * from its own mappings (registeredPostImage) and trusts the absence of an attribute only in an image whose
 * alias matches. An older registration (alias `postimage`, or another hash) is migrated in place: the image
 * is updated, never duplicated.
 */
import { createHash } from 'node:crypto';
import type { DataverseGateway } from '../dataverse/dataverse-gateway';
import type { CrmRow } from '../mappings/field-mapping';

export const ENDPOINT_NAME = 'crm-exchange-sync';
const STEP_PREFIX = 'crm-exchange-sync: ';
export const MESSAGES = ['Create', 'Update', 'Delete', 'Assign'] as const;

export interface RegistrationOptions {
  /** The Dataverse webhook function's URL, without the key. */
  functionUrl: string;
  /** The function key Dataverse sends as `?code=` (WebhookKey auth). */
  functionKey: string;
  /** Mapped columns per table logical name (filtering attributes and post image). */
  columnsByTable: Record<string, string[]>;
}

export interface RegistrationReport {
  created: string[];
  updated: string[];
  deleted: string[];
  unchanged: number;
  serviceEndpointId: string;
}

interface DesiredImage { name: string; entityalias: string; imagetype: 0 | 1; attributes: string; messagepropertyname: string }
interface DesiredStep { name: string; message: string; table: string; filteringattributes: string | null; images: DesiredImage[] }

const keyHash = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);
const SYSTEM_COLUMNS = ['ownerid', 'statecode', 'statuscode', 'versionnumber', 'modifiedon'];

/** Alias of the pre image (the owner before the change); not versioned: it only ever holds ownerid. */
export const PRE_IMAGE_ALIAS = 'preimage';
/** Alias of the post image registered before images were versioned (its absent attributes mean nothing). */
export const LEGACY_POST_IMAGE_ALIAS = 'postimage';
const VERSIONED_POST_IMAGE = /^PostImage_[0-9a-f]{8}$/;

/** Is this the alias of a post image of ours (any version, the unversioned one included)? */
export function isPostImageAlias(alias: unknown): boolean {
  return alias === LEGACY_POST_IMAGE_ALIAS || (typeof alias === 'string' && VERSIONED_POST_IMAGE.test(alias));
}

/** The post image's attribute list as registered: the mapped columns and the system ones, sorted, comma-separated. */
export function postImageAttributes(columns: readonly string[]): string {
  return [...new Set([...columns, ...SYSTEM_COLUMNS])].sort().join(',');
}

/** The post image's alias for an attribute list: `PostImage_` + 8 hex digits of its sha256 — its version. */
export function postImageAlias(attributes: string): string {
  return `PostImage_${createHash('sha256').update(attributes).digest('hex').slice(0, 8)}`;
}

type WebhookMapping = { crmTable: string; crmExpand?: readonly { property: string }[]; fields: readonly { crmColumns: readonly string[] }[] };

/** What a post image registered from a mapping looks like: its alias, and the columns (logical names) it was registered with. */
export interface RegisteredPostImage { alias: string; columns: ReadonlySet<string> }
const registeredByMapping = new WeakMap<object, RegisteredPostImage>();

/**
 * The post image `npm run register` registers for this mapping's table: an image carrying this alias holds
 * every one of these columns that is not null, so an attribute absent from it is null. The worker computes it
 * from its own mappings (cached per mapping object).
 */
export function registeredPostImage(mapping: WebhookMapping): RegisteredPostImage {
  let registered = registeredByMapping.get(mapping);
  if (!registered) {
    const attributes = postImageAttributes(webhookColumnsByTable({ mapping })[mapping.crmTable] ?? []);
    registered = { alias: postImageAlias(attributes), columns: new Set(attributes.split(',')) };
    registeredByMapping.set(mapping, registered);
  }
  return registered;
}

export function desiredSteps(columnsByTable: Record<string, string[]>): DesiredStep[] {
  const steps: DesiredStep[] = [];
  for (const [table, columns] of Object.entries(columnsByTable)) {
    const imageColumns = postImageAttributes(columns);
    const postAlias = postImageAlias(imageColumns);
    for (const message of MESSAGES) {
      const images: DesiredImage[] = [];
      if (message === 'Create' || message === 'Update' || message === 'Assign') {
        images.push({ name: postAlias, entityalias: postAlias, imagetype: 1, attributes: imageColumns, messagepropertyname: message === 'Create' ? 'Id' : 'Target' });
      }
      // The owner before the change: an owner change leaves the old mailbox; a deleted row's tombstone is kept
      // only when its owner may sync (crm-to-exchange.ts).
      if (message === 'Update' || message === 'Assign' || message === 'Delete') {
        images.push({ name: PRE_IMAGE_ALIAS, entityalias: PRE_IMAGE_ALIAS, imagetype: 0, attributes: 'ownerid', messagepropertyname: 'Target' });
      }
      steps.push({
        name: `${STEP_PREFIX}${message} of ${table}`, message, table,
        filteringattributes: message === 'Update' ? [...new Set([...columns, 'ownerid', 'statecode', 'statuscode'])].sort().join(',') : null,
        images,
      });
    }
  }
  return steps;
}

export async function registerDataverseWebhooks(dv: DataverseGateway, options: RegistrationOptions): Promise<RegistrationReport> {
  const report: RegistrationReport = { created: [], updated: [], deleted: [], unchanged: 0, serviceEndpointId: '' };
  const description = `Webhook of crm-exchange-sync (key sha256 ${keyHash(options.functionKey)})`;
  const endpoints = await dv.retrieveAll('serviceendpoints', ['serviceendpointid', 'name', 'url', 'contract', 'authtype', 'description'], `name eq '${ENDPOINT_NAME}'`);
  let endpoint = endpoints[0];
  const endpointData: CrmRow = { name: ENDPOINT_NAME, contract: 8, authtype: 4, messageformat: 2, userclaim: 1, url: options.functionUrl, authvalue: options.functionKey, description };
  if (!endpoint) {
    report.serviceEndpointId = await dv.create('serviceendpoints', endpointData);
    report.created.push(`service endpoint ${ENDPOINT_NAME}`);
  } else {
    report.serviceEndpointId = String(endpoint.serviceendpointid);
    if (endpoint.url !== options.functionUrl || endpoint.contract !== 8 || endpoint.authtype !== 4 || endpoint.description !== description) {
      await dv.update('serviceendpoints', report.serviceEndpointId, endpointData, '*', ['serviceendpointid']);
      report.updated.push(`service endpoint ${ENDPOINT_NAME}`);
    } else {
      report.unchanged += 1;
    }
  }
  endpoint = { serviceendpointid: report.serviceEndpointId };

  const messages = await dv.retrieveAll('sdkmessages', ['sdkmessageid', 'name'], MESSAGES.map((m) => `name eq '${m}'`).join(' or '));
  const messageId = (name: string) => {
    const m = messages.find((x) => x.name === name);
    if (!m) throw new Error(`Dataverse has no sdkmessage named ${name}`);
    return String(m.sdkmessageid);
  };
  const existing = await dv.retrieveAll('sdkmessageprocessingsteps',
    ['sdkmessageprocessingstepid', 'name', 'mode', 'stage', 'rank', 'filteringattributes', '_sdkmessageid_value', '_sdkmessagefilterid_value'],
    `_eventhandler_value eq ${report.serviceEndpointId}`);
  const desired = desiredSteps(options.columnsByTable);

  for (const step of desired) {
    const filters = await dv.retrieveAll('sdkmessagefilters', ['sdkmessagefilterid'], `primaryobjecttypecode eq '${step.table}' and _sdkmessageid_value eq ${messageId(step.message)}`);
    const filterId = filters[0]?.sdkmessagefilterid;
    if (!filterId) throw new Error(`Dataverse has no sdkmessagefilter for ${step.message} of ${step.table}`);
    const data: CrmRow = {
      name: step.name, mode: 1, stage: 40, rank: 1, supporteddeployment: 0,
      // Succeeded system jobs are deleted, or they pile up in the org's storage (failed ones stay for diagnosis).
      asyncautodelete: true,
      filteringattributes: step.filteringattributes,
      'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${report.serviceEndpointId})`,
      'sdkmessageid@odata.bind': `/sdkmessages(${messageId(step.message)})`,
      'sdkmessagefilterid@odata.bind': `/sdkmessagefilters(${String(filterId)})`,
    };
    const current = existing.find((s) => s.name === step.name);
    let stepId: string;
    if (!current) {
      stepId = await dv.create('sdkmessageprocessingsteps', data);
      report.created.push(`step ${step.name}`);
    } else {
      stepId = String(current.sdkmessageprocessingstepid);
      const same = current.mode === 1 && current.stage === 40 && (current.filteringattributes ?? null) === step.filteringattributes &&
        String(current._sdkmessagefilterid_value) === String(filterId);
      if (same) report.unchanged += 1;
      else {
        await dv.update('sdkmessageprocessingsteps', stepId, data, '*', ['sdkmessageprocessingstepid']);
        report.updated.push(`step ${step.name}`);
      }
    }
    await syncImages(dv, stepId, step, report);
  }
  for (const stale of existing.filter((s) => String(s.name).startsWith(STEP_PREFIX) && !desired.some((d) => d.name === s.name))) {
    await dv.delete('sdkmessageprocessingsteps', String(stale.sdkmessageprocessingstepid));
    report.deleted.push(`step ${String(stale.name)}`);
  }
  return report;
}

async function syncImages(dv: DataverseGateway, stepId: string, step: DesiredStep, report: RegistrationReport): Promise<void> {
  const images = await dv.retrieveAll('sdkmessageprocessingstepimages', ['sdkmessageprocessingstepimageid', 'name', 'entityalias', 'imagetype', 'attributes', 'messagepropertyname'], `_sdkmessageprocessingstepid_value eq ${stepId}`);
  const kept = new Set<unknown>();
  for (const image of step.images) {
    // The image with the desired alias; else an older version of it (a post image of ours with another alias),
    // which is updated — alias included — rather than left beside a second one.
    const sameKind = (alias: unknown) => (image.imagetype === 1 ? isPostImageAlias(alias) : alias === image.entityalias);
    const current = images.find((i) => !kept.has(i.sdkmessageprocessingstepimageid) && i.entityalias === image.entityalias)
      ?? images.find((i) => !kept.has(i.sdkmessageprocessingstepimageid) && sameKind(i.entityalias));
    const data: CrmRow = { ...image, 'sdkmessageprocessingstepid@odata.bind': `/sdkmessageprocessingsteps(${stepId})` };
    if (!current) {
      await dv.create('sdkmessageprocessingstepimages', data);
      report.created.push(`image ${image.entityalias} of ${step.name}`);
      continue;
    }
    kept.add(current.sdkmessageprocessingstepimageid);
    if (current.entityalias !== image.entityalias || current.name !== image.name || current.imagetype !== image.imagetype ||
      current.attributes !== image.attributes || current.messagepropertyname !== image.messagepropertyname) {
      await dv.update('sdkmessageprocessingstepimages', String(current.sdkmessageprocessingstepimageid), data, '*', ['sdkmessageprocessingstepimageid']);
      const was = current.entityalias !== image.entityalias ? ` (was ${String(current.entityalias)})` : '';
      report.updated.push(`image ${image.entityalias} of ${step.name}${was}`);
    } else {
      report.unchanged += 1;
    }
  }
  for (const stale of images.filter((i) => !kept.has(i.sdkmessageprocessingstepimageid))) {
    await dv.delete('sdkmessageprocessingstepimages', String(stale.sdkmessageprocessingstepimageid));
    report.deleted.push(`image ${String(stale.entityalias)} of ${step.name}`);
  }
}

/** Which tables lack any of our steps (Test & Enable's check). */
export async function missingRegistrations(dv: DataverseGateway, tables: string[]): Promise<string[]> {
  const endpoints = await dv.retrieveAll('serviceendpoints', ['serviceendpointid'], `name eq '${ENDPOINT_NAME}'`);
  if (endpoints.length === 0) return tables;
  const steps = await dv.retrieveAll('sdkmessageprocessingsteps', ['name'], `_eventhandler_value eq ${String(endpoints[0]!.serviceendpointid)}`);
  const names = new Set(steps.map((s) => String(s.name)));
  return tables.filter((t) => MESSAGES.some((m) => !names.has(`${STEP_PREFIX}${m} of ${t}`)));
}

/** Columns per table for filtering attributes and images, from the mappings: expanded navigation
 *  properties stand for the columns Dataverse exposes to plug-ins (appointment parties → required and
 *  optional attendees). */
export function webhookColumnsByTable(mappings: Record<string, { crmTable: string; crmExpand?: readonly { property: string }[]; fields: readonly { crmColumns: readonly string[] }[] }>): Record<string, string[]> {
  const PARTY_COLUMNS: Record<string, string[]> = { appointment_activity_parties: ['requiredattendees', 'optionalattendees', 'organizer'] };
  return Object.fromEntries(Object.values(mappings).map((m) => {
    const expanded = new Set((m.crmExpand ?? []).map((e) => e.property));
    const columns = m.fields.flatMap((f) => f.crmColumns.flatMap((c) => (expanded.has(c) ? PARTY_COLUMNS[c] ?? [] : [c])));
    return [m.crmTable, [...new Set(columns)].sort()];
  }));
}
