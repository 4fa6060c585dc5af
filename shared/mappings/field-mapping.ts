/**
 * How a record type's fields correspond between a Dataverse row and a Graph item.
 *
 * Each pair goes through a *canonical* value (a plain JSON value both sides can be compared in: a date as
 * 'YYYY-MM-DD', an instant as an ISO UTC string, a status as a word). The sync engine compares canonical
 * values from each side with the link's last-synced snapshot (also canonical) to decide what changed where
 * (three-way merge), and converts canonical values into the other side's shape to write them. Comparing
 * canonical values, not raw payloads, is also what suppresses echoes: our own write comes back equal.
 */

/** A Dataverse row in Web API JSON shape (column logical names; lookups as `_x_value` GUID strings). */
export type CrmRow = Record<string, unknown>;
/** A Graph item in v1.0 JSON shape (event, contact or todoTask). */
export type GraphItem = Record<string, unknown>;
export type Canonical = string | number | boolean | null | Canonical[] | { [key: string]: Canonical };

export type SyncDirection = 'twoWay' | 'crmToExchange' | 'exchangeToCrm' | 'none';

export type RecordType = 'task' | 'contact' | 'appointment';

/** What a conversion may need to know about the mailbox it syncs with. */
export interface MappingContext {
  /** The mailbox's Windows time zone name as Graph reports it (mailboxSettings.timeZone), e.g. "Tokyo Standard Time". */
  windowsTimeZone: string;
  /** The same zone as an IANA name (via windows-iana), e.g. "Asia/Tokyo". */
  ianaTimeZone: string;
  /** The mailbox owner's email address (organizer of events, attendee filtering). */
  mailboxAddress: string;
}

export interface FieldMapping {
  /** Stable name, used in settings (`directions`) and as the snapshot key. */
  name: string;
  /** Dataverse columns this field reads and writes (also the webhook filtering attributes / post image). */
  crmColumns: readonly string[];
  /** Top-level Graph properties this field reads and writes ($select). */
  graphProperties: readonly string[];
  /** Default direction, from Dynamics' synchronized-fields table. */
  defaultDirection: SyncDirection;
  /** False where Dynamics fixes the direction (e.g. full name, status): settings may not change it. */
  settable: boolean;
  fromCrm(row: CrmRow, ctx: MappingContext): Canonical;
  fromGraph(item: GraphItem, ctx: MappingContext): Canonical;
  /** Columns to PATCH/POST in Dataverse for this value. */
  toCrm(value: Canonical, ctx: MappingContext): CrmRow;
  /**
   * Properties to PATCH/POST in Graph for this value. `current` is the item as last read, when the caller
   * has it: fields whose Graph property holds more than the CRM side knows (attendees' display names and
   * room resources, email display names) keep those parts from it; without it they write their own
   * value alone, which is always valid.
   */
  toGraph(value: Canonical, ctx: MappingContext, current?: GraphItem): GraphItem;
}

/** A navigation property every Dataverse read of the table must $expand (appointment parties). */
export interface CrmExpand {
  property: string;
  select?: readonly string[];
}

export interface RecordMapping {
  recordType: RecordType;
  /** Dataverse table logical name and entity set name. */
  crmTable: string;
  crmEntitySet: string;
  crmPrimaryId: string;
  fields: readonly FieldMapping[];
  /** crmColumns that are lookups: read as `_x_value` (with the formatted-value annotation), not `x`. */
  crmLookupColumns?: readonly string[];
  /** Navigation properties reads must expand; a field needing one throws when a row lacks it. */
  crmExpand?: readonly CrmExpand[];
}
