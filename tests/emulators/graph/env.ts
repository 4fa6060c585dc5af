/**
 * What the route modules of the Graph emulator share (built once in server.ts), plus small helpers for
 * resolving ids from the URL in either form.
 */
import type { EmulatorServer } from '../common/server';
import type { Access } from './access';
import type { GraphContext } from './context';
import type { DeltaEngine } from './delta';
import { errors, todoError } from './errors';
import { decodeId, encodeId, type IdKind } from './ids';
import type { GraphStore, Mailbox, StoredItem } from './store';

export interface GraphEnv {
  ctx: GraphContext;
  server: EmulatorServer;
  store: GraphStore;
  delta: DeltaEngine;
  access: Access;
  /** Default page size of collections (Outlook's is 10). */
  pageSize: number;
}

/** The item an id in the URL names; 400 for a malformed id, 404 when missing or in another mailbox. */
export function itemFromId(store: GraphStore, mailbox: Mailbox, kind: IdKind, id: string, todo = false): StoredItem {
  const decoded = decodeId(id);
  if (!decoded) throw todo ? todoError(400, 'Invalid request', 'ErrorInvalidIdMalformed', 'Id is malformed.') : errors.idMalformed();
  const item = decoded.tag === mailbox.tag && decoded.kind === kind ? store.get(mailbox, kind, decoded.key) : undefined;
  if (!item) throw errors.itemNotFound();
  return item;
}

/** The id of an item (or of a key of some kind) in the requested form. */
export function idOf(mailbox: Mailbox, item: Pick<StoredItem, 'kind' | 'key'>, immutable: boolean): string {
  return encodeId(mailbox.tag, item.kind, item.key, immutable);
}
