/**
 * The Web API endpoints of a table (`/api/data/v9.2/<entityset>`): query (with paging, $count and change
 * tracking), retrieve, create, update/upsert with the conditional headers of
 * perform-conditional-operations-using-web-api.md, delete; plus WhoAmI. Every call goes through `run`: Bearer
 * check and impersonation, service protection, the common response headers, and error annotations.
 */
import { EmulatorHttpError, type EmulatorRequest, type EmulatorResponse } from '../common/server';
import type { SandboxSeed } from '../seed';
import type { DataverseAuth } from './auth';
import { changesSince, deltaToken, encodeToken, parseDeltaToken, refuseWithTracking } from './change-tracking';
import type { DataverseCaller, Row, TableDefinition } from './context';
import { alreadyExists, annotateError, etagMismatch, missingPrivilege, notFound, payloadError, queryError } from './errors';
import { isGuid, newGuid } from './ids';
import type { RequestInfo } from './operations';
import { parsePayload, type ParsedPayload } from './payload';
import type { WritePipeline } from './pipeline';
import { parsePreferences, type Preferences } from './prefer';
import { parseQueryOptions, parseSelect, sortRows, type QueryOptions } from './query';
import type { TableRegistry } from './schema';
import { API_PATH, batchScope } from './scope';
import { etagOf, serializeRow, type SerializeContext } from './serialize';
import type { RowStore } from './store';
import type { ServiceProtection } from './throttle';
import { ianaZone } from './values';

export const JSON_TYPE = 'application/json; odata.metadata=minimal';
const MAX_PAGE = 5000;

export interface WebApiDeps {
  registry: TableRegistry;
  store: RowStore;
  pipeline: WritePipeline;
  auth: DataverseAuth;
  throttle: ServiceProtection;
  seed: SandboxSeed;
  orgUrl(): string;
  organizationId: string;
  businessUnitId: string;
}

export interface Call {
  req: EmulatorRequest;
  caller: DataverseCaller;
  prefs: Preferences;
  request: RequestInfo;
  view: SerializeContext;
}

function header(req: EmulatorRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): EmulatorResponse {
  return { status, headers: { 'Content-Type': JSON_TYPE, 'OData-Version': '4.0', ...headers }, body };
}

/** `tasks(<guid>)` key segment → the id (alternate keys are not defined on these tables). */
export function parseKey(table: TableDefinition, key: string): string {
  const id = key.replace(/^\{|\}$/g, '');
  if (isGuid(id)) return id.toLowerCase();
  if (/^[A-Za-z_]\w*=/.test(key)) {
    throw queryError(`The key '${key}' does not match the primary key or an alternate key of 'Microsoft.Dynamics.CRM.${table.logicalName}'.`);
  }
  throw queryError('Bad Request - Error in query syntax.');
}

/**
 * Skipping plug-ins (optional-parameters.md) needs prvBypassCustomPlugins / prvBypassCustomBusinessLogic, which
 * the seeded application users' roles do not grant: refused rather than silently not honoured.
 */
function refuseBypass(req: EmulatorRequest, caller: DataverseCaller): void {
  if (header(req, 'mscrm.bypasscustompluginexecution') !== undefined) {
    throw missingPrivilege(caller.callerSystemUserId, 'prvBypassCustomPlugins', 8, 'systemuser');
  }
  if (header(req, 'mscrm.bypassbusinesslogicexecution') !== undefined) {
    throw missingPrivilege(caller.callerSystemUserId, 'prvBypassCustomBusinessLogic', 8, 'systemuser');
  }
}

function etagMatches(ifMatch: string, row: Row): boolean {
  const current = etagOf(row);
  const strip = (tag: string): string => tag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  return current !== undefined && ifMatch.split(',').some((tag) => strip(tag) === strip(current));
}

export class WebApi {
  constructor(private readonly deps: WebApiDeps) {}

  baseUrl(): string { return `${this.deps.orgUrl()}${API_PATH}`; }

  private timeZoneOf(systemUserId: string): string {
    const user = this.deps.seed.users.find((u) => u.systemUserId === systemUserId);
    return ianaZone(user?.timeZone);
  }

  /** Authentication, throttling, common headers and the error envelope around a handler. */
  async run(req: EmulatorRequest, handler: (call: Call) => Promise<EmulatorResponse>): Promise<EmulatorResponse> {
    const prefs = parsePreferences(req.headers);
    const requestId = newGuid();
    const common: Record<string, string> = { 'OData-Version': '4.0', REQ_ID: requestId, 'x-ms-service-request-id': requestId };
    const scope = batchScope.getStore();
    let lease: ReturnType<ServiceProtection['enter']> | undefined;
    let caller: DataverseCaller | undefined;
    try {
      caller = scope ? this.deps.auth.impersonate(scope.caller, req.headers) : await this.deps.auth.authenticate(req);
      refuseBypass(req, caller);
      if (!scope) {
        lease = this.deps.throttle.enter(caller.effectiveSystemUserId);
        await this.deps.throttle.hold();
      }
      const tag = req.query.get('tag') ?? undefined;
      const call: Call = {
        req, caller, prefs,
        request: {
          caller,
          correlationId: scope?.correlationId ?? header(req, 'x-ms-correlation-request-id') ?? newGuid(),
          requestId,
          ...(tag !== undefined ? { tag } : {}),
          duplicateDetection: header(req, 'mscrm.suppressduplicatedetection')?.toLowerCase() === 'false',
        },
        view: { registry: this.deps.registry, store: this.deps.store, prefs, timeZone: this.timeZoneOf(caller.effectiveSystemUserId) },
      };
      const response = await handler(call);
      const limits = scope ? {} : this.deps.throttle.remaining(caller.effectiveSystemUserId);
      return { ...response, headers: { ...common, ...limits, ...response.headers } };
    } catch (error) {
      if (!(error instanceof EmulatorHttpError)) throw error;
      const body = annotateError(error.body, prefs.annotations.length > 0);
      const headers: Record<string, string> = { ...common, ...error.headers };
      if (body !== undefined) headers['Content-Type'] = JSON_TYPE;
      return { status: error.status, headers, body };
    } finally {
      if (lease) this.deps.throttle.leave(lease);
    }
  }

  private context(table: TableDefinition, parts: string[] | undefined, suffix = ''): string {
    return `${this.baseUrl()}/$metadata#${table.entitySetName}${parts ? `(${parts.join(',')})` : ''}${suffix}`;
  }

  private entityUrl(table: TableDefinition, id: string): string {
    return `${this.baseUrl()}/${table.entitySetName}(${id})`;
  }

  private preferenceApplied(prefs: Preferences, extra: string[] = []): Record<string, string> {
    const applied = [...extra];
    if (prefs.annotations.length > 0) applied.push(`odata.include-annotations="${prefs.annotations.join(',')}"`);
    return applied.length > 0 ? { 'Preference-Applied': applied.join(',') } : {};
  }

  async query(table: TableDefinition, call: Call): Promise<EmulatorResponse> {
    const { store } = this.deps;
    const options = parseQueryOptions(this.deps.registry, table, call.req.query);
    if (options.deltaToken !== undefined) return this.delta(table, options, call);
    const cookie = options.skipToken !== undefined ? parseCookie(options.skipToken) : undefined;
    const tracking = call.prefs.trackChanges || cookie?.tracking === true;
    if (tracking) refuseWithTracking(table, options);
    let rows = store.rows(table.logicalName);
    if (options.filter) rows = rows.filter(options.filter);
    rows = sortRows(table, rows, options.orderBy);
    const total = rows.length;
    const applied: string[] = tracking && call.prefs.trackChanges ? ['odata.track-changes'] : [];
    let page: Row[];
    let nextLink: string | undefined;
    const trackingVersion = cookie?.version ?? store.currentVersion;
    if (options.top !== undefined) {
      page = rows.slice(0, Math.min(options.top, MAX_PAGE));
    } else {
      const size = Math.min(call.prefs.maxPageSize ?? MAX_PAGE, MAX_PAGE);
      if (call.prefs.maxPageSize !== undefined) applied.push(`odata.maxpagesize=${size}`);
      const pageNumber = cookie?.page ?? 1;
      const offset = (pageNumber - 1) * size;
      page = rows.slice(offset, offset + size);
      if (offset + size < total) {
        const last = page[page.length - 1];
        const next = cookieText(pageNumber + 1, table.primaryIdAttribute, String(last?.[table.primaryIdAttribute] ?? ''), tracking, trackingVersion);
        nextLink = `${this.baseUrl()}/${table.entitySetName}?${withoutParam(call.req.url.search, '$skiptoken')}$skiptoken=${encodeURIComponent(next)}`;
      }
    }
    const body: Record<string, unknown> = { '@odata.context': this.context(table, contextParts(options)) };
    if (options.count) body['@odata.count'] = Math.min(total, MAX_PAGE);
    if (tracking && !nextLink) body['@odata.deltaLink'] = this.deltaLink(table, options.select, trackingVersion);
    body.value = page.map((r) => serializeRow(table, r, options.select, options.expand, call.view));
    if (nextLink) body['@odata.nextLink'] = nextLink;
    return jsonResponse(200, body, this.preferenceApplied(call.prefs, applied));
  }

  private deltaLink(table: TableDefinition, select: string[] | undefined, version: number): string {
    const selectPart = select ? `$select=${select.join(',')}&` : '';
    return `${this.baseUrl()}/${table.entitySetName}?${selectPart}$deltatoken=${encodeToken(deltaToken(version))}`;
  }

  private delta(table: TableDefinition, options: QueryOptions, call: Call): EmulatorResponse {
    refuseWithTracking(table, options);
    const since = parseDeltaToken(this.deps.store, options.deltaToken!);
    const version = this.deps.store.currentVersion;
    const { changed, deletedIds } = changesSince(this.deps.store, table, since);
    const value: unknown[] = changed.map((r) => serializeRow(table, r, options.select, [], call.view));
    for (const id of deletedIds) {
      value.push({ '@odata.context': `${this.baseUrl()}/$metadata#${table.entitySetName}/$deletedEntity`, id, reason: 'deleted' });
    }
    return jsonResponse(200, {
      '@odata.context': this.context(table, options.select, '/$delta'),
      '@odata.deltaLink': this.deltaLink(table, options.select, version),
      value,
    }, this.preferenceApplied(call.prefs));
  }

  count(table: TableDefinition, call: Call): EmulatorResponse {
    const options = parseQueryOptions(this.deps.registry, table, call.req.query);
    let rows = this.deps.store.rows(table.logicalName);
    if (options.filter) rows = rows.filter(options.filter);
    return { status: 200, headers: { 'Content-Type': 'text/plain', 'OData-Version': '4.0' }, body: String(Math.min(rows.length, MAX_PAGE)) };
  }

  retrieve(table: TableDefinition, key: string, call: Call): EmulatorResponse {
    const id = parseKey(table, key);
    const options = parseQueryOptions(this.deps.registry, table, call.req.query);
    if (options.filterText !== undefined || options.orderBy.length || options.top !== undefined || options.count || options.skipToken || options.deltaToken) {
      throw queryError('Only $select and $expand apply to a single record.');
    }
    const row = this.deps.store.get(table.logicalName, id);
    if (!row) throw notFound(table.logicalName, id);
    const etag = etagOf(row);
    const ifNoneMatch = header(call.req, 'if-none-match');
    // Not with $expand or annotations: related values may have changed (conditional retrievals).
    if (ifNoneMatch && etag && options.expand.length === 0 && call.prefs.annotations.length === 0 && etagMatches(ifNoneMatch, row)) {
      return { status: 304, headers: { 'OData-Version': '4.0', ETag: etag } };
    }
    const body = { '@odata.context': this.context(table, contextParts(options), '/$entity'), ...serializeRow(table, row, options.select, options.expand, call.view) };
    return jsonResponse(200, body, { ...(etag ? { ETag: etag } : {}), ...this.preferenceApplied(call.prefs) });
  }

  private parseBody(table: TableDefinition, call: Call, operation: 'Create' | 'Update'): ParsedPayload {
    let body: unknown;
    try {
      body = JSON.parse(call.req.body.toString('utf8') || 'null');
    } catch (error) {
      throw payloadError(table.entitySetName, `Invalid JSON. ${(error as Error).message}`);
    }
    return parsePayload(table, body, { registry: this.deps.registry, store: this.deps.store, operation });
  }

  /** 204 + OData-EntityId, or the row (201 create / 200 update) with `Prefer: return=representation`. */
  private written(table: TableDefinition, row: Row, created: boolean, call: Call): EmulatorResponse {
    const id = String(row[table.primaryIdAttribute]);
    const headers: Record<string, string> = { 'OData-EntityId': this.entityUrl(table, id) };
    const etag = etagOf(row);
    if (!call.prefs.returnRepresentation) return { status: 204, headers: { 'OData-Version': '4.0', ...headers } };
    const select = call.req.query.get('$select');
    const selected = select !== null ? parseSelect(table, select) : undefined;
    const stored = this.deps.store.get(table.logicalName, id) ?? row;
    const body = { '@odata.context': this.context(table, selected, '/$entity'), ...serializeRow(table, stored, selected, [], call.view) };
    return jsonResponse(created ? 201 : 200, body, {
      ...headers, ...(etag ? { ETag: etag } : {}), ...this.preferenceApplied(call.prefs, ['return=representation']),
    });
  }

  async create(table: TableDefinition, call: Call): Promise<EmulatorResponse> {
    const select = call.req.query.get('$select');
    if (select !== null) parseSelect(table, select);
    const payload = this.parseBody(table, call, 'Create');
    const row = await this.deps.store.transaction(() => this.deps.pipeline.create(table, payload, call.request));
    return this.written(table, row, true, call);
  }

  /** PATCH: update, or upsert-create when the row is missing and no If-Match forbids it. */
  async update(table: TableDefinition, key: string, call: Call): Promise<EmulatorResponse> {
    const id = parseKey(table, key);
    const select = call.req.query.get('$select');
    if (select !== null) parseSelect(table, select);
    const ifMatch = header(call.req, 'if-match');
    const ifNoneMatch = header(call.req, 'if-none-match');
    const existing = this.deps.store.get(table.logicalName, id);
    if (existing) {
      const payload = this.parseBody(table, call, 'Update');
      if (ifNoneMatch?.trim() === '*') throw alreadyExists();
      if (ifMatch && ifMatch.trim() !== '*' && !etagMatches(ifMatch, existing)) throw etagMismatch();
      const row = await this.deps.store.transaction(() => this.deps.pipeline.update(table, id, payload, call.request));
      return this.written(table, row, false, call);
    }
    const payload = this.parseBody(table, call, 'Create');
    if (ifMatch) throw notFound(table.logicalName, id);
    const row = await this.deps.store.transaction(() => this.deps.pipeline.create(table, payload, call.request, id));
    return this.written(table, row, true, call);
  }

  async remove(table: TableDefinition, key: string, call: Call): Promise<EmulatorResponse> {
    const id = parseKey(table, key);
    const existing = this.deps.store.get(table.logicalName, id);
    if (!existing) throw notFound(table.logicalName, id);
    const ifMatch = header(call.req, 'if-match');
    if (ifMatch && ifMatch.trim() !== '*' && !etagMatches(ifMatch, existing)) throw etagMismatch();
    await this.deps.store.transaction(() => this.deps.pipeline.delete(table, id, call.request));
    return { status: 204, headers: { 'OData-Version': '4.0' } };
  }

  whoAmI(call: Call): EmulatorResponse {
    return jsonResponse(200, {
      '@odata.context': `${this.baseUrl()}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
      BusinessUnitId: this.deps.businessUnitId,
      UserId: call.caller.effectiveSystemUserId,
      OrganizationId: this.deps.organizationId,
    });
  }
}

/** The `$metadata#set(…)` property list: selected properties and expanded navigations with theirs. */
function contextParts(options: Pick<QueryOptions, 'select' | 'expand'>): string[] | undefined {
  const parts = [...(options.select ?? []), ...options.expand.map((e) => `${e.navigation}(${(e.select ?? []).join(',')})`)];
  return parts.length ? parts : undefined;
}

/** A paging cookie like the platform's `$skiptoken` (opaque to clients). */
function cookieText(page: number, primaryKey: string, lastId: string, tracking: boolean, version: number): string {
  const inner = encodeURIComponent(encodeURIComponent(`<cookie page="${page - 1}"><${primaryKey} last="{${lastId.toUpperCase()}}" /></cookie>`));
  return `<cookie pagenumber="${page}" pagingcookie="${inner}" istracking="${tracking ? 'True' : 'False'}" version="${version}" />`;
}

function parseCookie(text: string): { page: number; tracking: boolean; version?: number } {
  const page = /pagenumber="(\d+)"/.exec(text);
  if (!page) throw queryError(`The $skiptoken '${text}' is not valid.`);
  const version = /version="(\d+)"/.exec(text);
  return { page: Number(page[1]), tracking: /istracking="True"/.test(text), ...(version ? { version: Number(version[1]) } : {}) };
}

/** The original query string without one parameter, ending with `&` when anything is left. */
function withoutParam(search: string, name: string): string {
  const kept = search.replace(/^\?/, '').split('&').filter((p) => p && decodeURIComponent(p.split('=')[0]!) !== name);
  return kept.length ? `${kept.join('&')}&` : '';
}
