/**
 * The `resource` of a subscription: which app-only paths Outlook accepts for our item types, and which
 * writes (GraphChange) a subscription hears. Accepted forms, with or without a leading `/`, `users` in any
 * case, user by object id or UPN:
 *   users/{user}/events
 *   users/{user}/contacts
 *   users/{user}/contactFolders/{folderId}/contacts
 *   users/{user}/todo/lists/{listId}/tasks   (recognised, but refused to app-only callers, as Graph does)
 * Query options on the resource (`$filter`, `$select` for rich notifications) are not emulated.
 */
import type { GraphChange, GraphResourceKind } from './context';
import { decodeId } from './ids';

export type ParsedResource =
  | { kind: 'event'; user: string }
  | { kind: 'contact'; user: string; folderId?: string }
  | { kind: 'todoTask'; user: string; listId: string }
  | { kind: 'me' }
  | { kind: 'query'; path: string };

/** Parses a subscription resource; undefined when it names nothing Outlook/To Do can subscribe to. */
export function parseResource(resource: string): ParsedResource | undefined {
  const trimmed = resource.trim();
  const queryAt = trimmed.indexOf('?');
  if (queryAt >= 0) return { kind: 'query', path: trimmed.slice(0, queryAt) };
  const segments = trimmed.replace(/^\//, '').split('/');
  const lower = segments.map((s) => s.toLowerCase());
  if (lower[0] === 'me') return { kind: 'me' };
  if (lower[0] !== 'users' || !segments[1]) return undefined;
  let user: string;
  try {
    user = decodeURIComponent(segments[1]);
  } catch {
    return undefined;
  }
  const rest = lower.slice(2);
  if (rest.length === 1 && rest[0] === 'events') return { kind: 'event', user };
  if (rest.length === 1 && rest[0] === 'contacts') return { kind: 'contact', user };
  if (rest.length === 3 && rest[0] === 'contactfolders' && rest[2] === 'contacts' && segments[3]) {
    return { kind: 'contact', user, folderId: segments[3] };
  }
  if (rest.length === 4 && rest[0] === 'todo' && rest[1] === 'lists' && rest[3] === 'tasks' && segments[4]) {
    return { kind: 'todoTask', user, listId: segments[4] };
  }
  return undefined;
}

/** What a stored subscription listens to, resolved at creation (user object id, folder key). */
export interface SubscriptionTarget {
  kind: GraphResourceKind;
  userId: string;
  /** Store key of the contact folder for a folder-scoped contacts subscription. */
  folderKey?: string;
}

/** The store key inside an id of either form (regular or immutable). */
export function keyOfId(id: string | undefined): string | undefined {
  return id ? decodeId(id)?.key : undefined;
}

export function targetHears(target: SubscriptionTarget, change: GraphChange): boolean {
  if (target.kind !== change.kind || target.userId.toLowerCase() !== change.userId.toLowerCase()) return false;
  return target.folderKey === undefined || keyOfId(change.containerId) === target.folderKey;
}
