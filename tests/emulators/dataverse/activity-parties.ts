/**
 * Activity parties of appointments (activityparty-entity.md): rows of `activityparty` pointing at the activity,
 * written through the `appointment_activity_parties` collection (deep insert on create; on update the collection
 * replaces the attendee/organizer parties) with `partyid_systemuser@odata.bind` / `partyid_contact@odata.bind`
 * or a bare `addressused`, and `participationtypemask` 5 required / 6 optional / 7 organizer.
 * The platform also keeps an Owner party (mask 9) in step with ownerid (modelled; filter parties by mask).
 * The SDK-side party-list columns (requiredattendees, optionalattendees, organizer) are derived from these rows.
 */
import type { EntityRef, Row, TableDefinition } from './context';
import { dataverseError } from './errors';
import { newRowId } from './ids';
import type { ParsedPayload } from './payload';
import type { RowStore } from './store';

export const PARTY_TABLE = 'activityparty';
const MASKS_BY_COLUMN: Record<string, number> = { requiredattendees: 5, optionalattendees: 6, organizer: 7 };
/** Masks the appointment_activity_parties collection may write. */
const WRITABLE_MASKS = new Set([5, 6, 7]);
export const OWNER_MASK = 9;

export function partiesOf(store: RowStore, activity: EntityRef): Row[] {
  return store.rows(PARTY_TABLE).filter((p) => {
    const ref = p.activityid as EntityRef | null;
    return ref?.id === activity.id && ref.logicalName === activity.logicalName;
  });
}

/** The row with its party-list columns filled from the activityparty rows (what plug-ins see). */
export function withPartyLists(table: TableDefinition, row: Row, store: RowStore): Row {
  const partyColumns = Object.keys(table.columns).filter((c) => table.columns[c]!.type === 'partylist');
  if (partyColumns.length === 0) return row;
  const parties = partiesOf(store, { id: String(row[table.primaryIdAttribute]), logicalName: table.logicalName });
  const out: Row = { ...row };
  for (const column of partyColumns) {
    const mask = MASKS_BY_COLUMN[column];
    out[column] = parties.filter((p) => p.participationtypemask === mask).map((p) => ({
      activitypartyid: p.activitypartyid,
      partyid: p.partyid ?? null,
      addressused: p.addressused ?? null,
      participationtypemask: p.participationtypemask,
    }));
  }
  return out;
}

/** Checks the parties a request writes, before anything is stored. */
export function validateParties(items: ParsedPayload[]): void {
  for (const item of items) {
    const mask = item.values.participationtypemask;
    if (typeof mask !== 'number' || !WRITABLE_MASKS.has(mask)) {
      throw dataverseError(400, '0x80040203', `A validation error occurred. participationtypemask ${String(mask)} is not valid for an appointment party: use 5 (required attendee), 6 (optional attendee) or 7 (organizer).`);
    }
    const party = item.values.partyid as EntityRef | null | undefined;
    if (!party && !item.values.addressused) {
      throw dataverseError(400, '0x80040203', 'A validation error occurred. An activity party needs partyid or addressused.');
    }
    if (mask === 7 && party && party.logicalName !== 'systemuser') {
      throw dataverseError(400, '0x80040203', 'A validation error occurred. The organizer of an appointment must be a user (systemuser).');
    }
    if (item.values.activityid !== undefined) {
      throw dataverseError(400, '0x80040203', 'A validation error occurred. activityid is set by the activity the party is created with.');
    }
  }
  if (items.filter((i) => i.values.participationtypemask === 7).length > 1) {
    throw dataverseError(400, '0x80040203', 'A validation error occurred. An appointment has at most one organizer.');
  }
}

function insertParty(store: RowStore, activity: EntityRef, values: Row): void {
  const id = newRowId();
  store.put(PARTY_TABLE, id, {
    activitypartyid: id,
    activityid: activity,
    partyid: values.partyid ?? null,
    participationtypemask: values.participationtypemask,
    addressused: values.addressused ?? null,
    ispartydeleted: false,
    versionnumber: store.nextVersion(),
  });
}

/** Replaces the attendee/organizer parties of an activity with the request's. */
export function replaceParties(store: RowStore, activity: EntityRef, items: ParsedPayload[]): void {
  for (const party of partiesOf(store, activity)) {
    if (WRITABLE_MASKS.has(party.participationtypemask as number)) store.remove(PARTY_TABLE, String(party.activitypartyid));
  }
  for (const item of items) insertParty(store, activity, item.values);
}

/** Keeps the Owner party (mask 9) pointing at the activity's owner. */
export function syncOwnerParty(store: RowStore, activity: EntityRef, owner: EntityRef | null): void {
  for (const party of partiesOf(store, activity)) {
    if (party.participationtypemask === OWNER_MASK) store.remove(PARTY_TABLE, String(party.activitypartyid));
  }
  if (owner) insertParty(store, activity, { partyid: owner, participationtypemask: OWNER_MASK });
}

export function removeParties(store: RowStore, activity: EntityRef): void {
  for (const party of partiesOf(store, activity)) store.remove(PARTY_TABLE, String(party.activitypartyid));
}
