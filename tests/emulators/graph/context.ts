/**
 * What the parts of the Graph emulator share: the resource store's change feed, caller authentication,
 * mailbox access checks and Graph's error shape. `server.ts` builds it; `subscriptions.ts` (subscriptions,
 * validation handshakes, change and lifecycle notifications) only consumes it.
 */
import type { EmulatorHttpError, EmulatorRequest, EmulatorServer } from '../common/server';
import type { SandboxSeed, SeedUser } from '../seed';

export type GraphResourceKind = 'event' | 'contact' | 'todoTask';

/** One write to a mailbox item, as seen by the change-notification machinery. */
export interface GraphChange {
  userId: string;
  kind: GraphResourceKind;
  id: string;
  changeType: 'created' | 'updated' | 'deleted';
  /** For To Do tasks: the list id. For contacts: the contact folder id. */
  containerId?: string;
  /**
   * For events and contacts `id` is the immutable id (what `Prefer: IdType="ImmutableId"` returns) and
   * this is the default (regular) id of the same item; a notification must use the form the subscription
   * was created with. To Do tasks have one id form only (this is then absent).
   */
  regularId?: string;
  /** Client id of the app that made the write (our own writes notify too). */
  clientId: string;
  /** changeKey / etag after the write (absent for deletes). */
  changeKey?: string;
}

export interface GraphCaller {
  clientId: string;
  roles: string[];
}

export interface GraphContext {
  server: EmulatorServer;
  seed: SandboxSeed;
  /** e.g. https://127.0.0.1:7301/v1.0 */
  baseUrl(): string;
  /** Verifies the Bearer token (aud https://graph.microsoft.com); throws a 401 in Graph's shape. */
  authenticate(req: EmulatorRequest): Promise<GraphCaller>;
  /** Resolves a user by id or UPN and checks the caller may reach the mailbox (404 / 403 ErrorAccessDenied). */
  mailboxUser(caller: GraphCaller, idOrUpn: string): SeedUser;
  /** Resolves a user by id or UPN without any mailbox-scope check (undefined when unknown). */
  resolveUser?(idOrUpn: string): SeedUser | undefined;
  /** Whether a To Do list / contact folder id (either id form) exists in the user's mailbox. */
  containerExists?(userId: string, kind: 'todoTaskList' | 'contactFolder', id: string): boolean;
  /** Subscribes to every write on any mailbox item; returns an unsubscribe function. */
  onChange(listener: (change: GraphChange) => void): () => void;
  /** `{ error: { code, message, innerError: { date, request-id, client-request-id } } }` */
  graphError(status: number, code: string, message: string, headers?: Record<string, string>): EmulatorHttpError;
}
