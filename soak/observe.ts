/**
 * The end state, read whole once the system is quiet: every row of the three CRM tables (read as the sync
 * reads them: mapped columns, expansions, lookup names), every item in every seed user's mailbox (dumps),
 * the correlation links of the rows, the work queue and the poison queue.
 */
import type { SyncLink } from '../shared/correlation/link';
import type { CrmRow, RecordType } from '../shared/mappings';
import { readCrmRow } from '../shared/sync/record-values';
import type { PoisonedMessage } from '../shared/sync/worker';
import type { SoakEnv } from './environment';
import { readMailbox, type MarkedItem } from './mailbox-dump';
import { ENTITY_SET, PRIMARY_ID } from './op-context';

export const RECORD_TYPES: readonly RecordType[] = ['task', 'contact', 'appointment'];

export interface CrmState {
  recordType: RecordType;
  row: CrmRow;
  owner: string;
  link?: SyncLink;
}

export interface Snapshot {
  crm: Map<string, CrmState>;
  marked: MarkedItem[];
  /** Items without our marker (created in Outlook), all mailboxes. */
  unmarked: number;
  queue: { queued: number; visible: number };
}

/** Runs `fn` over `items`, `width` at a time. */
export async function eachLimited<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

/** Ids and owners of every row of a table (the app's own credentials; no faults are active by now). */
export async function listRows(env: SoakEnv, recordType: RecordType): Promise<Array<{ id: string; owner: string; statecode?: number }>> {
  const columns = [PRIMARY_ID[recordType], '_ownerid_value', 'statecode'];
  const rows = await env.rt.services.dataverse.retrieveAll(ENTITY_SET[recordType], columns);
  return rows.map((r) => ({ id: String(r[PRIMARY_ID[recordType]]).toLowerCase(), owner: String(r._ownerid_value ?? '').toLowerCase(), statecode: r.statecode as number | undefined }));
}

export async function readSnapshot(env: SoakEnv): Promise<Snapshot> {
  const { services } = env.rt;
  const crm = new Map<string, CrmState>();
  for (const recordType of RECORD_TYPES) {
    const ids = await listRows(env, recordType);
    await eachLimited(ids, 8, async ({ id }) => {
      const row = await readCrmRow(services.dataverse, services.mappings[recordType], id, services.lookupColumns);
      if (!row) return; // deleted meanwhile (nothing should be moving now; the checks will say if it matters)
      const link = await services.links.getByCrmId(recordType, id);
      crm.set(id, { recordType, row, owner: String(row._ownerid_value ?? '').toLowerCase(), ...(link ? { link } : {}) });
    });
  }
  const marked: MarkedItem[] = [];
  let unmarked = 0;
  for (const user of env.users.all) {
    const contents = await readMailbox(env, user.entraObjectId);
    marked.push(...contents.marked);
    unmarked += contents.unmarked;
  }
  const props = await env.workQueue.getProperties();
  const peeked = await env.workQueue.peekMessages({ numberOfMessages: 32 });
  return { crm, marked, unmarked, queue: { queued: props.approximateMessagesCount ?? 0, visible: peeked.peekedMessageItems.length } };
}

/** Every entry of the poison queue (received, not deleted: nothing else reads that queue). */
export async function readPoison(env: SoakEnv): Promise<Array<Partial<PoisonedMessage> & { raw?: string }>> {
  const entries: Array<Partial<PoisonedMessage> & { raw?: string }> = [];
  if (!(await env.poisonQueue.exists())) return entries;
  for (;;) {
    const batch = await env.poisonQueue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 600 });
    if (batch.receivedMessageItems.length === 0) return entries;
    for (const m of batch.receivedMessageItems) {
      const text = Buffer.from(m.messageText, 'base64').toString('utf8');
      try {
        entries.push(JSON.parse(text) as PoisonedMessage);
      } catch {
        entries.push({ raw: text });
      }
    }
  }
}
