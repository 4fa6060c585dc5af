/**
 * Registers what our sync needs in Dataverse, idempotently, through the Web API (what an administrator
 * would otherwise click in the Plug-in Registration Tool): one webhook service endpoint (contract 8,
 * WebhookKey auth with our function key) and, on appointment, task and contact, asynchronous
 * post-operation steps for Create, Update, Delete and Assign — Update filtered on the mapped columns —
 * with a post image of the mapped columns (so the worker need not read the row) and a pre image of the
 * owner (so an owner change can leave the old mailbox). Stale steps it created before are removed.
 * Running it twice changes nothing the second time. The key itself is write-only in Dataverse, so the
 * endpoint's description carries a short hash of it to detect a change.
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

export function desiredSteps(columnsByTable: Record<string, string[]>): DesiredStep[] {
  const steps: DesiredStep[] = [];
  for (const [table, columns] of Object.entries(columnsByTable)) {
    const imageColumns = [...new Set([...columns, ...SYSTEM_COLUMNS])].sort().join(',');
    for (const message of MESSAGES) {
      const images: DesiredImage[] = [];
      if (message === 'Create' || message === 'Update' || message === 'Assign') {
        images.push({ name: 'postimage', entityalias: 'postimage', imagetype: 1, attributes: imageColumns, messagepropertyname: message === 'Create' ? 'Id' : 'Target' });
      }
      if (message === 'Update' || message === 'Assign') {
        images.push({ name: 'preimage', entityalias: 'preimage', imagetype: 0, attributes: 'ownerid', messagepropertyname: 'Target' });
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
  for (const image of step.images) {
    const current = images.find((i) => i.entityalias === image.entityalias);
    const data: CrmRow = { ...image, 'sdkmessageprocessingstepid@odata.bind': `/sdkmessageprocessingsteps(${stepId})` };
    if (!current) {
      await dv.create('sdkmessageprocessingstepimages', data);
      report.created.push(`image ${image.entityalias} of ${step.name}`);
    } else if (current.imagetype !== image.imagetype || current.attributes !== image.attributes || current.messagepropertyname !== image.messagepropertyname) {
      await dv.update('sdkmessageprocessingstepimages', String(current.sdkmessageprocessingstepimageid), data, '*', ['sdkmessageprocessingstepimageid']);
      report.updated.push(`image ${image.entityalias} of ${step.name}`);
    } else {
      report.unchanged += 1;
    }
  }
  for (const stale of images.filter((i) => !step.images.some((d) => d.entityalias === i.entityalias))) {
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
