/**
 * Shared shapes of collection responses: a page of items with `@odata.context` and an absolute
 * `@odata.nextLink` while more remain, and delta pages with `@removed` stubs and next/delta links.
 */
import type { EmulatorRequest, EmulatorResponse } from '../common/server';
import type { DeltaPage } from './delta';
import type { GraphEnv } from './env';
import { applyQuery, nextPageLink, project, type Candidate, type QueryOptions } from './odata-query';
import { reply, type Prefs } from './request';
import type { StoredItem } from './store';

export interface ListSpec {
  env: GraphEnv;
  req: EmulatorRequest;
  prefs: Prefs;
  options: QueryOptions;
  /** e.g. users('x')/events */
  contextPath: string;
  items: StoredItem[];
  /** Representation for filtering/ordering (UTC) and for output. */
  view: (item: StoredItem) => Record<string, unknown>;
  render: (item: StoredItem) => Record<string, unknown>;
  collections?: (item: StoredItem) => Record<string, unknown[]>;
  /** How next links carry the position (default `$skip`). */
  paging?: 'skip' | 'skiptoken';
}

export function listResponse(spec: ListSpec): EmulatorResponse {
  const { env, req, prefs, options } = spec;
  const candidates: Candidate<StoredItem>[] = spec.items.map((item) => ({ item, view: spec.view(item), collections: spec.collections?.(item) }));
  const pageSize = options.top ?? prefs.maxPageSize ?? env.pageSize;
  const { page, more } = applyQuery(candidates, options, pageSize);
  const base = env.ctx.baseUrl();
  const select = options.select ? `(${options.select.join(',')})` : '';
  const body: Record<string, unknown> = {
    '@odata.context': `${base}/$metadata#${spec.contextPath}${select}`,
    value: page.map((c) => project(spec.render(c.item), options.select)),
  };
  if (more) body['@odata.nextLink'] = nextPageLink(base, req, options, pageSize, spec.paging);
  return reply(req, 200, body, prefs);
}

export function deltaResponse(req: EmulatorRequest, prefs: Prefs, context: string, page: DeltaPage, render: (item: StoredItem) => Record<string, unknown>, removed: (key: string) => Record<string, unknown>): EmulatorResponse {
  const body: Record<string, unknown> = { '@odata.context': context };
  if (page.nextLink) body['@odata.nextLink'] = page.nextLink;
  if (page.deltaLink) body['@odata.deltaLink'] = page.deltaLink;
  body.value = page.items.map((e) => (e.removed || !e.item ? removed(e.key) : render(e.item)));
  return reply(req, 200, body, prefs);
}
