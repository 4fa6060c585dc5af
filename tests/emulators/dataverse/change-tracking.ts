/**
 * Change tracking (use-change-tracking-synchronize-data-external-systems.md; fixtures delta-*.json):
 * `Prefer: odata.track-changes` on a collection GET answers every row plus an `@odata.deltaLink`
 * (`…?$select=…&$deltatoken=<version>!<MM/dd/yyyy HH:mm:ss>`); following it answers the rows created or changed
 * since (by version) and then `$deletedEntity` entries for rows deleted since — also rows created and deleted
 * between the two calls — and a new delta link. $filter, $orderby, $expand and $top are refused with it.
 * Tokens invalidated by `POST /_emulator/delta/expire` (the org's ExpireChangeTrackingInDays passing) answer
 * ExpiredVersionStamp, after which a client must start over with a full sync.
 */
import type { Row, TableDefinition } from './context';
import { expiredDeltaToken, queryError } from './errors';
import type { QueryOptions } from './query';
import type { RowStore } from './store';

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `919042!08/22/2017 08:10:44` (the documented token shape). */
export function deltaToken(version: number, at: Date = new Date()): string {
  const date = `${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${at.getUTCFullYear()}`;
  const time = `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`;
  return `${version}!${date} ${time}`;
}

/** Percent-encoding as the documented links show it (`!` → %21, lowercase hex). */
export function encodeToken(token: string): string {
  return encodeURIComponent(token).replace(/!/g, '%21').replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
}

export function parseDeltaToken(store: RowStore, token: string): number {
  const m = /^(\d+)!\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/.exec(token);
  if (!m) throw queryError(`The delta token '${token}' is not valid.`);
  const version = Number(m[1]);
  if (version > store.currentVersion) throw queryError(`The delta token '${token}' is not valid.`);
  if (store.isExpired(version)) throw expiredDeltaToken();
  return version;
}

export function refuseWithTracking(table: TableDefinition, options: QueryOptions): void {
  if (!table.changeTrackingEnabled) {
    throw queryError(`Change tracking is not enabled for the entity '${table.logicalName}'. Enable change tracking for the entity to use the odata.track-changes preference.`);
  }
  const used = [
    ['filter', options.filterText !== undefined], ['orderby', options.orderBy.length > 0],
    ['expand', options.expand.length > 0], ['top', options.top !== undefined],
  ].find(([, present]) => present);
  if (used) throw queryError(`The "$${used[0]}" query parameter isn't supported when Change Tracking is enabled.`);
}

export interface Changes {
  changed: Row[];
  deletedIds: string[];
}

export function changesSince(store: RowStore, table: TableDefinition, version: number): Changes {
  const changed = store.rows(table.logicalName)
    .filter((r) => typeof r.versionnumber === 'number' && r.versionnumber > version)
    .sort((a, b) => (a.versionnumber as number) - (b.versionnumber as number));
  const present = new Set(store.rows(table.logicalName).map((r) => String(r[table.primaryIdAttribute])));
  const deletedIds = [...new Set(store.deletionsSince(table.logicalName, version).map((d) => d.id))].filter((id) => !present.has(id));
  return { changed, deletedIds };
}
