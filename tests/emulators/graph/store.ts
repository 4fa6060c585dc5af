/**
 * The mailboxes' contents: events, contacts (and contact folders), To Do lists, tasks and their linked
 * resources. Every write gets a global sequence number; deleted items stay as tombstones so that a delta
 * round can report them as `@removed`. Writes are announced to change listeners (the change-notification
 * engine) whoever made them, our own app included.
 */
import type { GraphChange, GraphResourceKind } from './context';
import { encodeId, mailboxTag, newChangeKey, newKey, type IdKind } from './ids';
import type { SandboxSeed, SeedUser } from '../seed';

export interface ExtendedProperty {
  id: string;
  value: string;
}

export interface StoredItem {
  kind: IdKind;
  key: string;
  userId: string;
  /** Contact folder key for contacts, list key for tasks, task key for linked resources. */
  containerKey?: string;
  createdMs: number;
  modifiedMs: number;
  changeKey: string;
  seq: number;
  deleted: boolean;
  /** Writable properties in stored form (see the per-resource modules). */
  props: Record<string, unknown>;
  /** singleValueExtendedProperties, keyed by lower-cased id. */
  extended: Map<string, ExtendedProperty>;
  /** The canonical JSON of the create request (events: transactionId de-duplication compares it). */
  createBody?: string;
}

export interface Mailbox {
  user: SeedUser;
  tag: string;
  items: Map<string, StoredItem>;
  defaultContactFolderKey: string;
  defaultTodoListKey: string;
}

const RESOURCE_KINDS: Partial<Record<IdKind, GraphResourceKind>> = { event: 'event', contact: 'contact', todoTask: 'todoTask' };

export class GraphStore {
  private readonly mailboxes = new Map<string, Mailbox>();
  private seq = 0;
  private readonly listeners = new Set<(change: GraphChange) => void>();

  constructor(private readonly seed: SandboxSeed) {
    this.reset();
  }

  /** Empties every mailbox (seeded: the default contact folder and the "Tasks" To Do list). */
  reset(): void {
    this.mailboxes.clear();
    for (const user of this.seed.users) {
      const tag = mailboxTag(user.entraObjectId);
      const mailbox: Mailbox = { user, tag, items: new Map(), defaultContactFolderKey: newKey(), defaultTodoListKey: newKey() };
      this.mailboxes.set(user.entraObjectId, mailbox);
      this.insert(mailbox, 'contactFolder', { displayName: 'Contacts', isDefault: true }, undefined, mailbox.defaultContactFolderKey);
      this.insert(mailbox, 'todoTaskList', { displayName: 'Tasks', isOwner: true, isShared: false, wellknownListName: 'defaultList' }, undefined, mailbox.defaultTodoListKey);
    }
  }

  currentSeq(): number {
    return this.seq;
  }

  mailbox(userId: string): Mailbox {
    const m = this.mailboxes.get(userId);
    if (!m) throw new Error(`No mailbox for ${userId}`);
    return m;
  }

  allMailboxes(): Mailbox[] {
    return [...this.mailboxes.values()];
  }

  onChange(listener: (change: GraphChange) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** Live (not deleted) items of a kind, optionally in one container, in creation order. */
  list(mailbox: Mailbox, kind: IdKind, containerKey?: string): StoredItem[] {
    return [...mailbox.items.values()].filter((i) => i.kind === kind && !i.deleted && (containerKey === undefined || i.containerKey === containerKey));
  }

  /** Items (tombstones included) of a kind changed after `sinceSeq`. */
  changedSince(mailbox: Mailbox, kind: IdKind, sinceSeq: number, containerKey?: string): StoredItem[] {
    return [...mailbox.items.values()]
      .filter((i) => i.kind === kind && i.seq > sinceSeq && (containerKey === undefined || i.containerKey === containerKey))
      .sort((a, b) => a.seq - b.seq);
  }

  get(mailbox: Mailbox, kind: IdKind, key: string): StoredItem | undefined {
    const item = mailbox.items.get(key);
    return item && item.kind === kind && !item.deleted ? item : undefined;
  }

  private insert(mailbox: Mailbox, kind: IdKind, props: Record<string, unknown>, containerKey?: string, key = newKey()): StoredItem {
    const now = Date.now();
    this.seq += 1;
    const item: StoredItem = {
      kind, key, userId: mailbox.user.entraObjectId, containerKey, createdMs: now, modifiedMs: now,
      changeKey: newChangeKey(mailbox.tag), seq: this.seq, deleted: false, props, extended: new Map(),
    };
    mailbox.items.set(key, item);
    return item;
  }

  create(mailbox: Mailbox, kind: IdKind, props: Record<string, unknown>, clientId: string, containerKey?: string, extended: ExtendedProperty[] = []): StoredItem {
    const item = this.insert(mailbox, kind, props, containerKey);
    for (const ep of extended) item.extended.set(ep.id.toLowerCase(), ep);
    this.emit(mailbox, item, 'created', clientId);
    return item;
  }

  update(mailbox: Mailbox, item: StoredItem, props: Record<string, unknown>, clientId: string, extended: ExtendedProperty[] = []): StoredItem {
    Object.assign(item.props, props);
    for (const ep of extended) {
      const existing = item.extended.get(ep.id.toLowerCase());
      item.extended.set(ep.id.toLowerCase(), { id: existing?.id ?? ep.id, value: ep.value });
    }
    this.touch(mailbox, item);
    this.emit(mailbox, item, 'updated', clientId);
    return item;
  }

  /** A change that is not a property write (e.g. a linked resource added to a task) still makes a new version. */
  touch(mailbox: Mailbox, item: StoredItem): void {
    this.seq += 1;
    item.seq = this.seq;
    item.modifiedMs = Math.max(Date.now(), item.modifiedMs + 1);
    item.changeKey = newChangeKey(mailbox.tag);
  }

  delete(mailbox: Mailbox, item: StoredItem, clientId: string): void {
    this.seq += 1;
    item.seq = this.seq;
    item.deleted = true;
    this.emit(mailbox, item, 'deleted', clientId);
    // Children go with their container (tasks with their list, linked resources with their task).
    for (const child of mailbox.items.values()) {
      if (child.containerKey === item.key && !child.deleted) this.delete(mailbox, child, clientId);
    }
  }

  emitUpdated(mailbox: Mailbox, item: StoredItem, clientId: string): void {
    this.emit(mailbox, item, 'updated', clientId);
  }

  private emit(mailbox: Mailbox, item: StoredItem, changeType: GraphChange['changeType'], clientId: string): void {
    const kind = RESOURCE_KINDS[item.kind];
    if (!kind) return;
    const outlook = kind !== 'todoTask';
    const change: GraphChange = {
      userId: mailbox.user.entraObjectId,
      kind,
      id: encodeId(mailbox.tag, item.kind, item.key, outlook),
      ...(outlook ? { regularId: encodeId(mailbox.tag, item.kind, item.key, false) } : {}),
      changeType,
      ...(item.containerKey ? { containerId: encodeId(mailbox.tag, item.kind === 'todoTask' ? 'todoTaskList' : 'contactFolder', item.containerKey) } : {}),
      clientId,
      ...(changeType === 'deleted' ? {} : { changeKey: item.changeKey }),
    };
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (error) {
        console.error('[graph] change listener failed:', error);
      }
    }
  }
}
