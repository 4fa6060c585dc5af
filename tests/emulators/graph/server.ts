/**
 * The Microsoft Graph v1.0 emulator for app-only callers: users and mailbox settings, events (with
 * calendarView delta), contacts (with delta), To Do lists/tasks/linked resources (with delta), JSON
 * batching and Outlook-style throttling, served under /v1.0. Subscriptions and change notifications are
 * registered by `./subscriptions` against the GraphContext built here.
 *
 * Behaviour and error shapes follow the documented/observed service; see the module headers for the
 * details of each part and `controls.ts` for the test controls.
 */
import { EmulatorServer } from '../common/server';
import type { SandboxSeed } from '../seed';
import { Access } from './access';
import { registerBatch } from './batch';
import { registerContacts } from './contacts';
import type { GraphContext } from './context';
import { dumpMailbox, registerControls } from './controls';
import { DeltaEngine } from './delta';
import type { GraphEnv } from './env';
import { errorBody, graphError } from './errors';
import { registerEvents } from './events';
import { decodeId } from './ids';
import { GraphStore } from './store';
import { stampRequestIds } from './request-ids';
import { registerSubscriptions, type SubscriptionsFeature } from './subscriptions';
import { MailboxThrottle, type ThrottleLimits } from './throttle';
import { registerTodo } from './todo';
import { registerUsers } from './users';

export interface GraphEmulatorOptions {
  seed: SandboxSeed;
  tls: { cert: string; key: string };
  /** Base URL of the identity emulator; keys are read from `${identityUrl}/${tenantId}/discovery/v2.0/keys`. */
  identityUrl: string;
  /** Outlook limits per (app, mailbox); defaults 4 concurrent, 10,000 per 10 minutes, no service time. */
  throttle?: Partial<ThrottleLimits>;
  /** Default page size of collections and delta pages (Outlook's default is 10). */
  pageSize?: number;
}

export interface GraphEmulator {
  server: EmulatorServer;
  ctx: GraphContext;
  subscriptions: SubscriptionsFeature;
  /** Dump of a mailbox (as GET /_emulator/mailboxes/{userId}). */
  mailbox(userIdOrUpn: string): unknown;
  /** Forgets all delta tokens of a mailbox (as POST /_emulator/mailboxes/{userId}/expire-delta-tokens). */
  expireDeltaTokens(userIdOrUpn: string): number;
  setThrottle(limits: Partial<ThrottleLimits>): void;
  listen(port: number): Promise<string>;
  close(): Promise<void>;
}

function faultBody(status: number): unknown {
  switch (status) {
    case 404: return errorBody('BadRequest', 'Resource not found for the segment in the request URL (not served by the sandbox Graph emulator).');
    case 405: return errorBody('Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
    case 413: return errorBody('RequestEntityTooLarge', 'The request is larger than the maximum allowed size of 4 MB.');
    case 429: return errorBody('TooManyRequests', 'Please retry again later.');
    case 503: return errorBody('ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.');
    case 504: return errorBody('GatewayTimeout', 'The gateway did not receive a timely response.');
    default: return errorBody(status >= 500 ? 'InternalServerError' : 'BadRequest', `Injected ${status}.`);
  }
}

export function createGraphEmulator(options: GraphEmulatorOptions): GraphEmulator {
  const { seed } = options;
  const server = new EmulatorServer({ name: 'graph', tls: options.tls, faultBody, finishResponse: stampRequestIds });
  const store = new GraphStore(seed);
  const throttle = new MailboxThrottle(options.throttle);
  const access = new Access(seed, options.identityUrl.replace(/\/$/, ''), store, throttle);

  const ctx: GraphContext = {
    server,
    seed,
    baseUrl: () => `${server.url}/v1.0`,
    authenticate: (req) => access.authenticate(req),
    mailboxUser: (caller, idOrUpn) => access.mailboxUser(caller, idOrUpn),
    resolveUser: (idOrUpn) => access.resolveUser(idOrUpn),
    containerExists: (userId, kind, id) => {
      const user = access.resolveUser(userId);
      const decoded = decodeId(id);
      if (!user || !decoded) return false;
      const mailbox = store.mailbox(user.entraObjectId);
      return decoded.tag === mailbox.tag && decoded.kind === kind && store.get(mailbox, kind, decoded.key) !== undefined;
    },
    onChange: (listener) => store.onChange(listener),
    graphError: (status, code, message, headers) => graphError(status, code, message, headers),
  };
  const env: GraphEnv = { ctx, server, store, delta: new DeltaEngine(store), access, pageSize: options.pageSize ?? 10 };

  let subscriptions: SubscriptionsFeature | undefined;
  // Reset also forgets subscriptions (when the subscriptions feature offers it).
  registerControls(env, throttle, options.throttle ?? {}, () => (subscriptions as { reset?: () => void } | undefined)?.reset?.());
  registerUsers(env);
  registerEvents(env);
  registerContacts(env);
  registerTodo(env);
  registerBatch(env);
  subscriptions = registerSubscriptions(ctx);
  const feature = subscriptions;

  const mailboxOf = (idOrUpn: string) => {
    const user = access.resolveUser(idOrUpn);
    if (!user) throw new Error(`Unknown user ${idOrUpn}`);
    return store.mailbox(user.entraObjectId);
  };

  return {
    server,
    ctx,
    subscriptions: feature,
    mailbox: (idOrUpn) => dumpMailbox(env, mailboxOf(idOrUpn)),
    expireDeltaTokens: (idOrUpn) => env.delta.expire(mailboxOf(idOrUpn).user.entraObjectId),
    setThrottle: (limits) => throttle.set(limits),
    listen: (port) => server.listen(port),
    close: async () => {
      await feature.close();
      await server.close();
    },
  };
}
