/**
 * Reading mailboxes whole, through the Graph emulator's dump control (GET /_emulator/mailboxes/{id}: every
 * event, contact and To Do task as Graph renders them in UTC with immutable ids, with their extended
 * properties and linked resources). It is neither throttled nor faulted, so the soak's own look-ups never
 * take faults meant for the sync app. Items carrying our CRM-id marker (the extended property on events
 * and contacts, the linked resource on To Do tasks) are the ones the sync made.
 */
import { CRM_ID_PROPERTY_ID, LINKED_RESOURCE_APPLICATION } from '../shared/graph/graph-gateway';
import type { GraphItem, RecordType } from '../shared/mappings';
import type { SoakEnv } from './environment';

export interface MarkedItem {
  recordType: RecordType;
  crmId: string;
  graphId: string;
  /** Entra object id of the mailbox. */
  mailbox: string;
  /** To Do list id (tasks). */
  listId?: string;
  item: GraphItem;
}

interface Dump {
  events: GraphItem[];
  contacts: GraphItem[];
  todoLists: Array<{ id: string; wellknownListName?: string; tasks: GraphItem[] }>;
}

const MARKER = CRM_ID_PROPERTY_ID.toLowerCase();

function markerOf(item: GraphItem): string | undefined {
  const props = item.singleValueExtendedProperties as Array<{ id: string; value: string }> | undefined;
  return props?.find((p) => p.id.toLowerCase() === MARKER)?.value?.toLowerCase();
}

function linkedCrmId(task: GraphItem): string | undefined {
  const links = task.linkedResources as Array<{ externalId?: string; applicationName?: string }> | undefined;
  return links?.find((l) => l.applicationName === LINKED_RESOURCE_APPLICATION && l.externalId)?.externalId?.toLowerCase();
}

export interface MailboxContents {
  marked: MarkedItem[];
  /** Items without our marker (created in Outlook). */
  unmarked: number;
}

export async function readMailbox(env: SoakEnv, mailbox: string): Promise<MailboxContents> {
  const dump = await env.control('graph', 'GET', `mailboxes/${mailbox}`) as Dump;
  const marked: MarkedItem[] = [];
  let unmarked = 0;
  const add = (recordType: RecordType, crmId: string | undefined, item: GraphItem, listId?: string) => {
    if (!crmId) { unmarked += 1; return; }
    marked.push({ recordType, crmId, graphId: String(item.id), mailbox: mailbox.toLowerCase(), ...(listId ? { listId } : {}), item });
  };
  for (const e of dump.events) add('appointment', markerOf(e), e);
  for (const c of dump.contacts) add('contact', markerOf(c), c);
  for (const list of dump.todoLists) for (const t of list.tasks) add('task', linkedCrmId(t), t, list.id);
  return { marked, unmarked };
}

/** Where the soak's Outlook users find the item of a CRM row: the mailbox read afresh. */
export class MailboxIndex {
  constructor(private readonly env: SoakEnv) {}

  /** The item of a row in a mailbox now, if the sync has put it there. */
  async current(mailbox: string, recordType: RecordType, crmId: string): Promise<MarkedItem | undefined> {
    const { marked } = await readMailbox(this.env, mailbox);
    return marked.find((m) => m.recordType === recordType && m.crmId === crmId.toLowerCase());
  }
}
