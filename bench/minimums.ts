/**
 * The fewest calls each kind of synced change can cost, and why — what the "API calls per change" figures
 * are held against. Counts are per change; the writer's own call (the user's edit) is not included.
 *
 * Storage: the change's own work item always costs a queue put, a receive and a delete (3); the correlation
 * table needs one point read to find the link, and writes as listed. Both services also tell us about our
 * own writes (Graph: a `created` and an `updated` notification for every event or contact we create, an
 * `updated` one for every one we change; the To Do delta page lists the tasks we wrote; Dataverse: a
 * webhook for every row we write); recognising such an echo costs at least the two point reads that find
 * its link (index row, then link row) — queueing it is not needed for that, so the minimum counts 2 per echo.
 * The To Do poll round's own cost (delta page, mailbox list, cursor) is shared by all changes of the round
 * and reported apart.
 */
import type { RecordTypeName } from './record-kinds';

export type Direction = 'CRM→Exchange' | 'Exchange→CRM';
export type Operation = 'create' | 'update';

export interface Minimum {
  graph: number;
  dataverse: number;
  storage: number;
  why: string;
}

const QUEUE = 3;
const ECHO = 2;

export function kindName(direction: Direction, op: Operation, type: RecordTypeName): string {
  return `${direction} ${op} ${type}`;
}

export function minimumFor(direction: Direction, op: Operation, type: RecordTypeName): Minimum {
  if (direction === 'CRM→Exchange' && op === 'create') {
    // link read + pending link insert (crash safety) + linked replace + Graph-side index upsert + owner's mailbox read
    const echoes = type === 'task' ? 1 : 2; // events/contacts: created + updated notifications; To Do: the next delta page
    return {
      graph: 1,
      dataverse: type === 'appointment' ? 1 : 0,
      storage: QUEUE + 5 + ECHO * echoes,
      why: type === 'appointment'
        ? 'one Graph POST carrying our marks; one Dataverse read, because attendees are activity parties, which no webhook image carries'
        : 'one Graph POST carrying our marks; no Dataverse read: the post image holds every mapped column (an absent attribute is null)',
    };
  }
  if (direction === 'CRM→Exchange' && op === 'update') {
    const echoes = 1;
    return {
      graph: 1,
      dataverse: type === 'appointment' ? 1 : 0,
      storage: QUEUE + 3 + ECHO * echoes, // link read, mailbox read, link replace
      why: type === 'appointment'
        ? 'one Graph PATCH (If-Match); one Dataverse read for the attendees (counted although an update that does not touch them could reuse the snapshot)'
        : 'one Graph PATCH (If-Match); no Dataverse read: the post image carries the row',
    };
  }
  // Exchange → CRM update: the item must be read (basic notifications and delta pages as we use them carry
  // no data we may trust without a read — for To Do the delta page does carry the task, see `why`).
  return {
    graph: type === 'task' ? 0 : 1,
    dataverse: 1,
    // index read + link read + mailbox read + link replace; one Dataverse webhook echo of our write
    storage: QUEUE + 4 + ECHO,
    why: type === 'task'
      ? 'no Graph read per change: the To Do delta page (one call per poll round and mailbox, shared, not counted here) already holds the task; one Dataverse PATCH (If-Match)'
      : 'one Graph GET (a basic notification carries only the id); one Dataverse PATCH (If-Match)',
  };
}

/** Items created only in Exchange are not synced: they should cost no API call at all. */
export const IGNORED_CREATE_MINIMUM: Minimum = {
  graph: 0, dataverse: 0, storage: ECHO,
  why: 'nothing to sync: finding that no link exists is enough (events/contacts: a created and an updated notification, 2 reads each at most; To Do: seen in the delta page)',
};
