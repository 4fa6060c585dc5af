/**
 * What the link knows instead of a read: the CRM row's state as of the version it synced (an Exchange edit
 * of an appointment needs no CRM read), and Graph's time of the item version it synced (a delta page's
 * copy of a To Do task stands in for a Graph read only when newer).
 */
import type { SyncLink } from '../../../shared/correlation/link';
import { closedOnLink, crmStateOf } from '../../../shared/sync/closed-rows';
import { carriedItemIsFresh, graphModifiedOf, isLaterInstant } from '../../../shared/sync/decide';

describe('the CRM row\'s state on the link', () => {
  test('recorded from a row with its version and a numeric statecode; nothing from a row lacking either', () => {
    expect(crmStateOf({ versionnumber: 1234, statecode: 1 })).toEqual({ version: '1234', statecode: 1 });
    expect(crmStateOf({ versionnumber: '99', statecode: 0 })).toEqual({ version: '99', statecode: 0 });
    expect(crmStateOf({ statecode: 0 })).toBeUndefined();
    expect(crmStateOf({ versionnumber: 5 })).toBeUndefined();
    expect(crmStateOf({ versionnumber: 5, statecode: '1' })).toBeUndefined();
    expect(crmStateOf(undefined)).toBeUndefined();
  });

  test('open (0, 3) or closed (1 Completed, 2 Canceled) when recorded for the version synced last', () => {
    for (const [statecode, closed] of [[0, false], [3, false], [1, true], [2, true]] as const) {
      expect(closedOnLink({ crmVersion: '10', crmState: { version: '10', statecode } })).toBe(closed);
    }
  });

  test('unknown — read the row — for a link written before states were recorded, or whose version moved on', () => {
    expect(closedOnLink({ crmVersion: '10' })).toBeUndefined();
    expect(closedOnLink({ crmVersion: '11', crmState: { version: '10', statecode: 0 } })).toBeUndefined();
    // No version to put in the write's If-Match: a race with a close would go unnoticed.
    expect(closedOnLink({ crmState: { version: '10', statecode: 0 } })).toBeUndefined();
  });
});

describe('a carried copy of the item', () => {
  const link = (o: Partial<SyncLink> = {}): Pick<SyncLink, 'graphId' | 'graphEtag' | 'graphModified'> => ({
    graphId: 'g1', graphEtag: 'W/"e1"', graphModified: { etag: 'W/"e1"', at: '2026-11-20T10:00:00.0000000Z' }, ...o,
  });
  const copy = (at: string, o: Record<string, unknown> = {}) => ({ id: 'g1', '@odata.etag': 'W/"e2"', lastModifiedDateTime: at, title: 'x', ...o });

  test('stands in for a read when Graph\'s clock says it is newer than what the link synced', () => {
    expect(carriedItemIsFresh(link(), copy('2026-11-20T10:00:00.0000001Z'))).toBe(true);
    expect(carriedItemIsFresh(link(), copy('2026-11-20T10:00:01Z'))).toBe(true);
    expect(carriedItemIsFresh(link(), copy('2026-11-20T11:00:00.500+01:00'))).toBe(true);
  });

  test('an older or equally old copy (overtaken: queue retries reorder items) is read instead', () => {
    expect(carriedItemIsFresh(link(), copy('2026-11-20T10:00:00Z'))).toBe(false);
    expect(carriedItemIsFresh(link(), copy('2026-11-20T09:59:59.9999999Z'))).toBe(false);
    expect(carriedItemIsFresh(link(), copy('2026-11-20T10:59:59+01:00'))).toBe(false);
  });

  test('read as before when the link recorded no time for its etag, or the copy is not of the item or has no time', () => {
    expect(carriedItemIsFresh(link({ graphModified: undefined }), copy('2027-01-01T00:00:00Z'))).toBe(false);
    // graphEtag moved on by a path that recorded no time: the time recorded belongs to an older version.
    expect(carriedItemIsFresh(link({ graphEtag: 'W/"e9"' }), copy('2027-01-01T00:00:00Z'))).toBe(false);
    expect(carriedItemIsFresh(link(), copy('2027-01-01T00:00:00Z', { id: 'g2' }))).toBe(false);
    expect(carriedItemIsFresh(link(), copy('yesterday'))).toBe(false);
    expect(carriedItemIsFresh(link(), { id: 'g1', '@odata.etag': 'W/"e2"' })).toBe(false);
    expect(carriedItemIsFresh(link(), undefined)).toBe(false);
  });

  test('the time recorded with an etag comes from the item written or read', () => {
    expect(graphModifiedOf({ '@odata.etag': 'W/"e3"', lastModifiedDateTime: '2026-11-20T10:00:00.123Z' })).toEqual({ etag: 'W/"e3"', at: '2026-11-20T10:00:00.123Z' });
    expect(graphModifiedOf({ '@odata.etag': 'W/"e3"' })).toBeUndefined();
    expect(graphModifiedOf({ lastModifiedDateTime: '2026-11-20T10:00:00Z' })).toBeUndefined();
  });

  test('instants compare beyond milliseconds (Graph gives seven fractional digits)', () => {
    expect(isLaterInstant('2026-11-20T10:00:00.1234568Z', '2026-11-20T10:00:00.1234567Z')).toBe(true);
    expect(isLaterInstant('2026-11-20T10:00:00.12Z', '2026-11-20T10:00:00.1200000Z')).toBe(false);
    expect(isLaterInstant('2026-11-20T10:00:00Z', 'not a time')).toBeUndefined();
  });
});
