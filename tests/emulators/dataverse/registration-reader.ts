/**
 * Reads the current registrations (service endpoints, steps, images, catalog) from the store and answers
 * the pipeline's question: which webhook steps fire for this operation? Read on every operation, so a
 * registration change through the Web API applies to the next write, as in an org.
 */
import type { DataverseContext, DataverseOperation, Row, TableDefinition } from './context';
import { lookupId, num, text } from './registration-rows';
import { CONTRACT_WEBHOOK } from './registration-tables';

export interface WebhookEndpoint {
  id: string;
  name: string;
  url: string;
  authType: number;
  authValue: string;
}

export interface StepImage {
  id: string;
  alias: string;
  /** 0 pre, 1 post, 2 both */
  imageType: number;
  /** Logical names; undefined = every column. */
  attributes?: string[];
  messagePropertyName: string;
}

export interface WebhookStep {
  id: string;
  name: string;
  /** The message the step is registered on (SetStateDynamicEntity steps also fire for SetState operations). */
  messageName: string;
  /** 0 synchronous, 1 asynchronous */
  mode: number;
  stage: number;
  rank: number;
  filteringAttributes?: string[];
  asyncAutoDelete: boolean;
  /** "Run in user's context": the step runs as this user instead of the calling user. */
  impersonatingUserId?: string;
  endpoint: WebhookEndpoint;
  images: StepImage[];
}

function idOf(row: Row, column: string): string | undefined {
  const value = row[column];
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}

/** A comma-separated list of logical names; empty/blank = undefined ("all"). */
export function nameList(value: string | undefined): string[] | undefined {
  const names = (value ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  return names.length > 0 ? names : undefined;
}

export function readEndpoint(row: Row): WebhookEndpoint | undefined {
  const id = idOf(row, 'serviceendpointid');
  if (!id || num(row, 'contract') !== CONTRACT_WEBHOOK) return undefined;
  return {
    id,
    name: text(row, 'name') ?? '',
    url: text(row, 'url') ?? '',
    authType: num(row, 'authtype') ?? 0,
    authValue: text(row, 'authvalue') ?? '',
  };
}

function readImage(row: Row): StepImage | undefined {
  const id = idOf(row, 'sdkmessageprocessingstepimageid');
  const alias = text(row, 'entityalias');
  const imageType = num(row, 'imagetype');
  if (!id || !alias || imageType === undefined) return undefined;
  const attributes = nameList(text(row, 'attributes'));
  return { id, alias, imageType, ...(attributes ? { attributes } : {}), messagePropertyName: text(row, 'messagepropertyname') ?? 'Target' };
}

/** The columns an Update's Target sets, by logical name (`x@odata.bind` and `_x_value` forms included). */
export function targetColumnNames(table: TableDefinition, target: Row): string[] {
  const names = new Set<string>();
  for (const key of Object.keys(target)) {
    const bind = /^(.+)@odata\.bind$/.exec(key);
    if (bind) {
      // `parentcustomerid_account@odata.bind` → parentcustomerid (navigation property of a multi-table lookup)
      const nav = bind[1]!.toLowerCase();
      const column = table.columns[nav] ? nav : Object.keys(table.columns).find((c) => nav.startsWith(`${c}_`)) ?? nav;
      names.add(column);
      continue;
    }
    if (key.includes('@')) continue;
    const lookup = /^_(.+)_value$/.exec(key);
    names.add((lookup ? lookup[1]! : key).toLowerCase());
  }
  return [...names];
}

export class RegistrationReader {
  constructor(private readonly ctx: DataverseContext) {}

  /** Enabled webhook steps for the operation's message and table, in execution order (stage, then rank). */
  stepsFor(operation: DataverseOperation): WebhookStep[] {
    // A state change also runs the deprecated SetStateDynamicEntity message's steps.
    const names = operation.messageName === 'SetState' ? ['SetState', 'SetStateDynamicEntity'] : [operation.messageName];
    const messageIds = new Map<string | undefined, string>(this.ctx.rows('sdkmessage')
      .filter((m) => names.includes(text(m, 'name') ?? ''))
      .map((m) => [idOf(m, 'sdkmessageid'), text(m, 'name')!]));
    const filters = new Map(this.ctx.rows('sdkmessagefilter').map((f) => [idOf(f, 'sdkmessagefilterid'), f]));
    const endpoints = new Map<string, WebhookEndpoint>();
    for (const row of this.ctx.rows('serviceendpoint')) {
      const endpoint = readEndpoint(row);
      if (endpoint) endpoints.set(endpoint.id, endpoint);
    }
    const images = this.ctx.rows('sdkmessageprocessingstepimage');
    const steps: WebhookStep[] = [];
    for (const row of this.ctx.rows('sdkmessageprocessingstep')) {
      const id = idOf(row, 'sdkmessageprocessingstepid');
      if (!id || (num(row, 'statecode') ?? 0) !== 0) continue;
      if ((num(row, 'supporteddeployment') ?? 0) === 1) continue; // client-only steps never run on the server
      const messageName = messageIds.get(lookupId(row, 'sdkmessageid'));
      if (!messageName) continue;
      const filterId = lookupId(row, 'sdkmessagefilterid');
      if (filterId) {
        const filter = filters.get(filterId);
        if (!filter || text(filter, 'primaryobjecttypecode') !== operation.table.logicalName) continue;
      }
      const endpointId = lookupId(row, 'eventhandler');
      const endpoint = endpointId ? endpoints.get(endpointId) : undefined;
      if (!endpoint) continue; // a plug-in type, or not a webhook
      const filteringAttributes = nameList(text(row, 'filteringattributes'));
      if (operation.messageName === 'Update' && filteringAttributes) {
        const set = targetColumnNames(operation.table, operation.target);
        if (!filteringAttributes.some((a) => set.includes(a))) continue;
      }
      const impersonatingUserId = lookupId(row, 'impersonatinguserid');
      steps.push({
        id,
        name: text(row, 'name') ?? '',
        messageName,
        mode: num(row, 'mode') ?? 0,
        stage: num(row, 'stage') ?? 40,
        rank: num(row, 'rank') ?? 1,
        ...(filteringAttributes ? { filteringAttributes } : {}),
        asyncAutoDelete: row.asyncautodelete === true,
        ...(impersonatingUserId ? { impersonatingUserId } : {}),
        endpoint,
        images: images.filter((i) => lookupId(i, 'sdkmessageprocessingstepid') === id)
          .map(readImage).filter((i): i is StepImage => i !== undefined),
      });
    }
    return steps.sort((a, b) => a.stage - b.stage || a.rank - b.rank);
  }

  endpointById(id: string): WebhookEndpoint | undefined {
    const row = this.ctx.rows('serviceendpoint').find((r) => idOf(r, 'serviceendpointid') === id.toLowerCase());
    return row ? readEndpoint(row) : undefined;
  }
}
