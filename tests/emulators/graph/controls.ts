/**
 * Graph-specific test controls (next to the common /_emulator/* ones):
 * - GET  /_emulator/mailboxes/{userId}                      dump of a mailbox (id or UPN), for assertions
 * - POST /_emulator/mailboxes/{userId}/expire-delta-tokens  every delta/skip token of the mailbox → 410
 * - GET|PUT|DELETE /_emulator/throttle                      read / change / reset the throttling limits
 *                                                           (PUT also takes windowMs: a shorter budget window)
 * - POST /_emulator/reset                                   empty mailboxes, forget tokens, throttle history
 *                                                           and subscriptions
 * Items are dumped as Graph would return them in UTC, with immutable ids (and `regularId` alongside).
 */
import { EmulatorHttpError } from '../common/server';
import type { GraphEnv } from './env';
import { renderContact, renderContactFolder } from './contact-model';
import { extendedCollection } from './extended-properties';
import { renderEvent } from './event-model';
import { encodeId } from './ids';
import type { Prefs } from './request';
import type { Mailbox } from './store';
import type { MailboxThrottle, ThrottleLimits } from './throttle';
import { renderLinked, renderList, renderTask } from './todo-model';

const DUMP_PREFS: Prefs = { zone: { name: 'UTC', iana: 'UTC' }, immutableIds: true, bodyText: false, applied: [] };

export function dumpMailbox(env: GraphEnv, mailbox: Mailbox): unknown {
  const { store } = env;
  const withIds = (rep: Record<string, unknown>, kind: 'event' | 'contact', key: string) => ({ ...rep, regularId: encodeId(mailbox.tag, kind, key, false) });
  return {
    userId: mailbox.user.entraObjectId,
    userPrincipalName: mailbox.user.userPrincipalName,
    events: store.list(mailbox, 'event').map((i) => withIds({ ...renderEvent(mailbox, i, DUMP_PREFS), singleValueExtendedProperties: extendedCollection(i) }, 'event', i.key)),
    contacts: store.list(mailbox, 'contact').map((i) => withIds({ ...renderContact(mailbox, i, DUMP_PREFS), singleValueExtendedProperties: extendedCollection(i) }, 'contact', i.key)),
    contactFolders: store.list(mailbox, 'contactFolder').map((f) => renderContactFolder(mailbox, f, DUMP_PREFS)),
    todoLists: store.list(mailbox, 'todoTaskList').map((list) => ({
      ...renderList(mailbox, list),
      tasks: store.list(mailbox, 'todoTask', list.key).map((t) => ({
        ...renderTask(mailbox, t, DUMP_PREFS),
        linkedResources: store.list(mailbox, 'linkedResource', t.key).map((lr) => renderLinked(mailbox, lr)),
      })),
    })),
  };
}

export function registerControls(env: GraphEnv, throttle: MailboxThrottle, initialLimits: Partial<ThrottleLimits>, onReset: () => void = () => {}): void {
  const { server, store, access } = env;
  const mailboxOf = (idOrUpn: string): Mailbox => {
    const user = access.resolveUser(idOrUpn);
    if (!user) throw new EmulatorHttpError(404, { error: `No mailbox for '${idOrUpn}'` });
    return store.mailbox(user.entraObjectId);
  };

  server.route('GET', '/_emulator/mailboxes/{userId}', (req) => ({ status: 200, body: dumpMailbox(env, mailboxOf(req.params.userId ?? '')) }));
  server.route('POST', '/_emulator/mailboxes/{userId}/expire-delta-tokens', (req) => {
    const mailbox = mailboxOf(req.params.userId ?? '');
    return { status: 200, body: { expired: env.delta.expire(mailbox.user.entraObjectId) } };
  });
  server.route('GET', '/_emulator/throttle', () => ({ status: 200, body: throttle.current() }));
  server.route('PUT', '/_emulator/throttle', (req) => {
    const limits = req.json<Partial<ThrottleLimits>>() ?? {};
    for (const [k, v] of Object.entries(limits)) {
      if (!['concurrentPerMailbox', 'requestsPer10Min', 'serviceTimeMs', 'windowMs'].includes(k) || typeof v !== 'number' || v < 0 || (k === 'windowMs' && v === 0)) {
        throw new EmulatorHttpError(400, { error: `Invalid throttle setting '${k}': expected concurrentPerMailbox, requestsPer10Min, serviceTimeMs (numbers >= 0) or windowMs (> 0)` });
      }
    }
    throttle.set(limits);
    return { status: 200, body: throttle.current() };
  });
  server.route('DELETE', '/_emulator/throttle', () => { throttle.reset(initialLimits); return { status: 204 }; });
  server.route('POST', '/_emulator/reset', () => {
    store.reset();
    env.delta.clear();
    throttle.reset(initialLimits);
    onReset();
    return { status: 204 };
  });
}
