/**
 * clientState rotation of Graph subscriptions (issue 8, security): SubscriptionManager against an in-memory
 * Graph (subscriptions only, with injectable failures) and an in-memory store, checked through the same
 * notification acceptance the endpoint runs (acceptNotifications). Rotation = a new subscription with a new
 * clientState first, the old one deleted after (at once on demand, after an overlap in the renewal pass);
 * a failed create leaves the old one standing, a 404 on the old one's delete is fine. Also the setting, the
 * admin action and the CLI's arguments.
 */
import { rotateClientStates } from '../../shared/admin/client-state-rotation';
import { mailboxAction } from '../../shared/admin/admin-api';
import { loadConfig } from '../../shared/config';
import { GraphRequestError } from '../../shared/graph/graph-errors';
import type { GraphSubscription } from '../../shared/graph/graph-gateway';
import { newMailbox, type Mailbox } from '../../shared/mailboxes/mailbox';
import type { Runtime } from '../../shared/runtime';
import { renewSubscriptions } from '../../shared/subscriptions/renewal-pass';
import { SubscriptionManager, type SubscriptionsApi, type SubscriptionStorage } from '../../shared/subscriptions/subscription-manager';
import type { StoredSubscription } from '../../shared/subscriptions/subscription-store';
import type { WorkItem } from '../../shared/sync/work-item';
import { acceptNotifications, parseNotificationBatch } from '../../shared/webhooks/graph-notifications';
import { parseCliArgs, UsageError } from '../../tools/mailbox-cli/args';

const DAY = 86_400_000;
const PUBLIC = 'https://sync.example/api';

/** Graph's subscriptions, as far as the manager uses them; `fail` makes the next matching call throw. */
class FakeGraph implements SubscriptionsApi {
  readonly subscriptions = new Map<string, GraphSubscription>();
  readonly calls: string[] = [];
  private readonly failures: Array<{ op: 'create' | 'delete' | 'renew'; error: Error }> = [];
  private next = 0;

  fail(op: 'create' | 'delete' | 'renew', error: Error): void { this.failures.push({ op, error }); }

  private check(op: 'create' | 'delete' | 'renew'): void {
    const i = this.failures.findIndex((f) => f.op === op);
    if (i >= 0) throw this.failures.splice(i, 1)[0]!.error;
  }

  async create(_mailboxUserId: string, body: Omit<GraphSubscription, 'id'>): Promise<GraphSubscription> {
    this.calls.push(`create ${body.resource}`);
    this.check('create');
    const id = `00000000-0000-4000-8000-${String(++this.next).padStart(12, '0')}`;
    const sub = { ...body, id };
    this.subscriptions.set(id, sub);
    return { ...sub };
  }

  async renew(_mailboxUserId: string, id: string, expirationDateTime: string): Promise<GraphSubscription> {
    this.calls.push(`renew ${id}`);
    this.check('renew');
    const sub = this.subscriptions.get(id);
    if (!sub) throw notFound();
    sub.expirationDateTime = expirationDateTime;
    return { ...sub };
  }

  async reauthorize(_mailboxUserId: string, id: string): Promise<void> {
    this.calls.push(`reauthorize ${id}`);
    if (!this.subscriptions.has(id)) throw notFound();
  }

  /** Like the real gateway minus its own 404 tolerance, so that the manager's is tested too. */
  async delete(_mailboxUserId: string, id: string): Promise<void> {
    this.calls.push(`delete ${id}`);
    this.check('delete');
    if (!this.subscriptions.delete(id)) throw notFound();
  }

  /** Subscriptions per resource, as Graph's list would show them. */
  byResource(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.subscriptions.values()) out[s.resource] = (out[s.resource] ?? 0) + 1;
    return out;
  }
}

const notFound = () => new GraphRequestError('NOT_FOUND', 404, 'ResourceNotFound', 'The object was not found.');
const unavailable = () => new GraphRequestError('TEMPORARY', 503, 'ServiceUnavailable', 'Service unavailable.');

class MemoryStore implements SubscriptionStorage {
  readonly rows = new Map<string, StoredSubscription>();
  async get(id: string) { const s = this.rows.get(id); return s && structuredClone(s); }
  async save(s: StoredSubscription) { this.rows.set(s.subscriptionId, structuredClone(s)); }
  async remove(id: string) { this.rows.delete(id); }
  async list() { return [...this.rows.values()].map((s) => structuredClone(s)); }
}

const adele: Mailbox = {
  ...newMailbox({ systemUserId: '0a1b2c3d-0001-4e5f-8a9b-000000000001', displayName: 'Adele Vance', emailAddress: 'adelev@contoso.example', entraObjectId: '3f6e2a90-1b7c-4d5e-8f21-0a9b8c7d6e51' }),
  syncMethods: { appointments: 'serverSideSync', contacts: 'serverSideSync', tasks: 'serverSideSync' },
  approval: 'approved', actStatus: 'success', enabled: true,
};
const EVENTS = `/users/${adele.entraObjectId}/events`;
const CONTACTS = `/users/${adele.entraObjectId}/contacts`;

function setup(options: { clientStateMaxAgeDays?: number; rotationOverlapMinutes?: number } = {}) {
  const graph = new FakeGraph();
  const store = new MemoryStore();
  const manager = new SubscriptionManager(graph, store, { publicBaseUrl: PUBLIC, clientStateMaxAgeDays: 30, ...options });
  const mailboxes = async (id: string) => (id === adele.systemUserId ? adele : undefined);
  /** What the notification endpoint does with one change notification: accepted (a work item) or why dropped. */
  const deliver = async (subscriptionId: string, clientState: string): Promise<string> => {
    const body = Buffer.from(JSON.stringify({ value: [{ subscriptionId, clientState, changeType: 'updated', resource: `Users/${adele.entraObjectId}/Contacts/AAMk1`, resourceData: { id: 'AAMk1' } }] }));
    const result = await acceptNotifications(parseNotificationBatch(body), (id) => store.get(id), (i) => `c-${i}`);
    return result.items.length === 1 ? 'accepted' : result.dropped[0]!.reason;
  };
  const current = async (recordType: 'appointment' | 'contact') => (await manager.forMailbox(adele)).find((s) => s.recordType === recordType)!;
  return { graph, store, manager, mailboxes, deliver, current };
}

/** A stored subscription made to look `days` old (its clientState was issued then). */
async function age(store: MemoryStore, s: StoredSubscription, days: number, now = Date.now()): Promise<void> {
  await store.save({ ...s, createdAt: new Date(now - days * DAY).toISOString() });
}

describe('rotate: new subscription first, then the old one removed', () => {
  test('the new subscription is created before the old one is deleted; only the new clientState is accepted after', async () => {
    const { graph, store, manager, deliver, current } = setup();
    await manager.ensureForMailbox(adele);
    const old = await current('contact');
    graph.calls.length = 0;

    const result = await manager.rotate(old, adele);

    expect(graph.calls).toEqual([`create ${CONTACTS}`, `delete ${old.subscriptionId}`]);
    expect(result).toEqual({ recordType: 'contact', previousSubscriptionId: old.subscriptionId, subscriptionId: expect.any(String), previousRemoved: true });
    const replacement = await current('contact');
    expect(replacement.subscriptionId).toBe(result.subscriptionId);
    expect(replacement.clientStates[0]).not.toBe(old.clientStates[0]);
    expect(replacement.clientStates[0]).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    expect(graph.subscriptions.get(replacement.subscriptionId)!.clientState).toBe(replacement.clientStates[0]);
    expect(graph.byResource()).toEqual({ [EVENTS]: 1, [CONTACTS]: 1 });
    expect(await store.get(old.subscriptionId)).toBeUndefined();
    expect(await deliver(replacement.subscriptionId, replacement.clientStates[0]!)).toBe('accepted');
    expect(await deliver(old.subscriptionId, old.clientStates[0]!)).toBe('unknownSubscription');
    // An old secret on the new subscription is no better.
    expect(await deliver(replacement.subscriptionId, old.clientStates[0]!)).toBe('clientStateMismatch');
  });

  test('a failed create leaves the old subscription standing, untouched, and surfaces the error', async () => {
    const { graph, store, manager, deliver, current } = setup();
    await manager.ensureForMailbox(adele);
    const old = await current('contact');
    graph.calls.length = 0;
    graph.fail('create', unavailable());

    await expect(manager.rotate(old, adele)).rejects.toThrow('Service unavailable.');

    expect(graph.calls).toEqual([`create ${CONTACTS}`]);
    expect(await store.get(old.subscriptionId)).toEqual(old);
    expect(graph.byResource()).toEqual({ [EVENTS]: 1, [CONTACTS]: 1 });
    expect(await deliver(old.subscriptionId, old.clientStates[0]!)).toBe('accepted');
  });

  test('an old subscription Graph no longer has (404 on delete) is simply forgotten', async () => {
    const { graph, store, manager, current } = setup();
    await manager.ensureForMailbox(adele);
    const old = await current('contact');
    graph.subscriptions.delete(old.subscriptionId); // expired or removed on Graph's side

    const result = await manager.rotate(old, adele);

    expect(result).toMatchObject({ previousRemoved: true });
    expect(result.error).toBeUndefined();
    expect(await store.get(old.subscriptionId)).toBeUndefined();
    expect(graph.byResource()).toEqual({ [EVENTS]: 1, [CONTACTS]: 1 });
  });

  test('another failure deleting the old one keeps it valid, marked replaced, until the next renewal pass deletes it', async () => {
    const { graph, store, manager, mailboxes, deliver, current } = setup();
    await manager.ensureForMailbox(adele);
    const old = await current('contact');
    graph.fail('delete', unavailable());

    const result = await manager.rotate(old, adele);

    expect(result).toMatchObject({ previousRemoved: false, subscriptionId: expect.any(String), error: expect.stringContaining('deleting the previous one failed') });
    expect(await store.get(old.subscriptionId)).toMatchObject({ replacedBy: result.subscriptionId, retireAfter: expect.any(String) });
    expect((await current('contact')).subscriptionId).toBe(result.subscriptionId);
    expect(await deliver(old.subscriptionId, old.clientStates[0]!)).toBe('accepted');

    const report = await manager.renewalPass(mailboxes);
    expect(report).toMatchObject({ retired: 1, rotated: 0, failures: [] });
    expect(graph.byResource()).toEqual({ [EVENTS]: 1, [CONTACTS]: 1 });
    expect(await deliver(old.subscriptionId, old.clientStates[0]!)).toBe('unknownSubscription');
  });

  test('a subscription already replaced is not rotated again', async () => {
    const { manager, store, current } = setup();
    await manager.ensureForMailbox(adele);
    const old = await current('contact');
    await manager.rotate(old, adele, { overlapMs: 60_000 });
    await expect(manager.rotate((await store.get(old.subscriptionId))!, adele)).rejects.toThrow(/already replaced/);
  });
});

describe('automatic rotation in the renewal pass', () => {
  test('a clientState older than the maximum age is rotated; both are accepted during the overlap; the old subscription is deleted after it', async () => {
    const { graph, store, manager, mailboxes, deliver, current } = setup({ clientStateMaxAgeDays: 30, rotationOverlapMinutes: 10 });
    await manager.ensureForMailbox(adele);
    const now = Date.now();
    const oldContact = await current('contact');
    const oldEvents = await current('appointment');
    await age(store, oldContact, 31, now);
    await age(store, oldEvents, 29, now);

    const first = await manager.renewalPass(mailboxes, now);
    expect(first).toEqual({ renewed: 0, recreated: 0, removed: 0, rotated: 1, retired: 0, failures: [] });
    const newContact = await current('contact');
    expect(newContact.subscriptionId).not.toBe(oldContact.subscriptionId);
    expect((await current('appointment')).subscriptionId).toBe(oldEvents.subscriptionId);
    // The overlap: two live subscriptions on the contacts resource, both secrets accepted.
    expect(graph.byResource()).toEqual({ [EVENTS]: 1, [CONTACTS]: 2 });
    expect(await deliver(oldContact.subscriptionId, oldContact.clientStates[0]!)).toBe('accepted');
    expect(await deliver(newContact.subscriptionId, newContact.clientStates[0]!)).toBe('accepted');
    expect(await store.get(oldContact.subscriptionId)).toMatchObject({ replacedBy: newContact.subscriptionId, retireAfter: new Date(now + 10 * 60_000).toISOString() });

    // A pass within the overlap keeps the old one and rotates nothing more.
    expect(await manager.renewalPass(mailboxes, now + 5 * 60_000)).toMatchObject({ rotated: 0, retired: 0 });
    expect(await deliver(oldContact.subscriptionId, oldContact.clientStates[0]!)).toBe('accepted');

    // The first pass after it deletes the old one: exactly one subscription per resource, the old secret refused.
    expect(await manager.renewalPass(mailboxes, now + 11 * 60_000)).toMatchObject({ rotated: 0, retired: 1, failures: [] });
    expect(graph.byResource()).toEqual({ [EVENTS]: 1, [CONTACTS]: 1 });
    expect(await deliver(oldContact.subscriptionId, oldContact.clientStates[0]!)).toBe('unknownSubscription');
    expect(await deliver(newContact.subscriptionId, newContact.clientStates[0]!)).toBe('accepted');
  });

  test('0 turns automatic rotation off; a replaced subscription is neither renewed nor recreated', async () => {
    const off = setup({ clientStateMaxAgeDays: 0 });
    await off.manager.ensureForMailbox(adele);
    await age(off.store, await off.current('contact'), 400);
    expect(await off.manager.renewalPass(off.mailboxes)).toMatchObject({ rotated: 0 });

    const { graph, manager, mailboxes, current } = setup();
    await manager.ensureForMailbox(adele);
    const old = await current('contact');
    await manager.rotate(old, adele, { overlapMs: 3 * DAY });
    graph.calls.length = 0;
    // Two days on, everything is due for renewal: the replaced one is left to expire or be deleted.
    const report = await manager.renewalPass(mailboxes, Date.now() + 2.5 * DAY);
    expect(report).toMatchObject({ renewed: 2, recreated: 0, retired: 0 });
    expect(graph.calls.filter((c) => c.includes(old.subscriptionId))).toEqual([]);
    // ensureForMailbox does not take the replaced one for missing, nor return it.
    expect((await manager.ensureForMailbox(adele)).map((s) => s.subscriptionId).sort())
      .toEqual((await manager.forMailbox(adele)).map((s) => s.subscriptionId).sort());
    expect(graph.byResource()).toEqual({ [EVENTS]: 1, [CONTACTS]: 2 });
  });

  test('a failed rotation is reported and retried by the next pass; the old subscription keeps working and is still renewed', async () => {
    const { graph, store, manager, mailboxes, deliver, current } = setup();
    await manager.ensureForMailbox(adele);
    const old = await current('contact');
    await age(store, old, 31);
    graph.fail('create', unavailable());

    const report = await manager.renewalPass(mailboxes, Date.now() + 2.5 * DAY);
    expect(report).toMatchObject({ rotated: 0, renewed: 2, failures: [{ subscriptionId: old.subscriptionId, recordType: 'contact', step: 'rotate', error: expect.stringContaining('Service unavailable') }] });
    expect(await deliver(old.subscriptionId, old.clientStates[0]!)).toBe('accepted');
    expect(await manager.renewalPass(mailboxes)).toMatchObject({ rotated: 1, failures: [] });
  });

  test('lifecycle events on a replaced subscription never bring it back', async () => {
    const { graph, store, manager, mailboxes, current } = setup();
    await manager.ensureForMailbox(adele);
    const old = await current('contact');
    await manager.rotate(old, adele, { overlapMs: 60_000 });
    const replacement = await current('contact');
    const standing = await manager.handleLifecycle(old.subscriptionId, 'subscriptionRemoved', mailboxes);
    expect(standing?.subscriptionId).toBe(replacement.subscriptionId);
    expect(await store.get(old.subscriptionId)).toBeUndefined();
    expect(graph.byResource()).toEqual({ [EVENTS]: 1, [CONTACTS]: 1 });
  });

  test('renewSubscriptions (the timer) logs failed rotations as warnings', async () => {
    const { graph, store, manager, current } = setup();
    await manager.ensureForMailbox(adele);
    await age(store, await current('contact'), 31);
    graph.fail('create', unavailable());
    const lines: Array<[string, string, Record<string, unknown> | undefined]> = [];
    const rt = { subscriptions: manager, services: { mailboxes: { get: async (id: string) => (id === adele.systemUserId ? adele : undefined) } }, log: { log: (level: string, message: string, fields?: Record<string, unknown>) => lines.push([level, message, fields]) } } as unknown as Runtime;
    const report = await renewSubscriptions(rt);
    expect(report.failures).toHaveLength(1);
    expect(lines).toEqual([['warning', 'clientState rotation failed; the current subscription stays in use', expect.objectContaining({ recordType: 'contact' })]]);
  });
});

describe('on demand: every subscription of a mailbox, old ones deleted at once', () => {
  function runtime(env: ReturnType<typeof setup>) {
    const sent: WorkItem[] = [];
    const rt = {
      subscriptions: env.manager,
      services: { mailboxes: { get: env.mailboxes } },
      workQueue: { send: async (items: WorkItem[]) => { sent.push(...items); } },
      log: { log() {} },
      authenticateAdmin: async (authorization: string | null) => { if (authorization !== 'Bearer admin') throw new Error('refused'); },
    } as unknown as Runtime;
    return { rt, sent };
  }

  test('both subscriptions rotated, a replaced one still in its overlap deleted too, and a catch-up round queued per new subscription', async () => {
    const env = setup();
    const { graph, store, manager, deliver, current } = env;
    await manager.ensureForMailbox(adele);
    const oldEvents = await current('appointment');
    await manager.rotate(await current('contact'), adele, { overlapMs: 60_000 }); // an automatic rotation in its overlap
    const inOverlap = [...store.rows.values()].find((s) => s.retireAfter)!;
    const oldContact = await current('contact');
    const { rt, sent } = runtime(env);

    const report = await rotateClientStates(rt, adele.systemUserId);

    expect(report.complete).toBe(true);
    expect(report.rotated.map((r) => [r.recordType, r.previousRemoved]).sort()).toEqual([['appointment', true], ['contact', true]]);
    expect(graph.byResource()).toEqual({ [EVENTS]: 1, [CONTACTS]: 1 });
    for (const old of [oldEvents, oldContact, inOverlap]) expect(await deliver(old.subscriptionId, old.clientStates[0]!)).toBe('unknownSubscription');
    const now = await manager.forMailbox(adele);
    expect(now).toHaveLength(2);
    expect(sent.map((i) => i.kind === 'graphLifecycle' && [i.subscriptionId, i.lifecycleEvent]).sort())
      .toEqual(now.map((s) => [s.subscriptionId, 'missed']).sort());
  });

  test('through the admin action: 200 with the report; 502 RotationIncomplete naming what failed; 404 for an unknown mailbox; refused without the admin token', async () => {
    const env = setup();
    await env.manager.ensureForMailbox(adele);
    const { rt } = runtime(env);
    const ok = await mailboxAction(rt, 'Bearer admin', adele.systemUserId, 'rotate-client-state');
    expect(ok).toMatchObject({ status: 200, jsonBody: { systemUserId: adele.systemUserId, complete: true, rotated: [{ previousRemoved: true }, { previousRemoved: true }] } });

    const before = (await env.manager.forMailbox(adele)).find((s) => s.recordType === 'appointment')!;
    env.graph.fail('create', unavailable());
    const failed = await mailboxAction(rt, 'Bearer admin', adele.systemUserId, 'rotate-client-state');
    expect(failed.status).toBe(502);
    expect(failed.jsonBody).toMatchObject({ complete: false, error: { code: 'RotationIncomplete', message: expect.stringMatching(/appointment: Creating the new subscription failed \(the previous one stays in use\)/) } });
    expect(await env.deliver(before.subscriptionId, before.clientStates[0]!)).toBe('accepted');
    expect(env.graph.byResource()).toEqual({ [EVENTS]: 1, [CONTACTS]: 1 });

    expect(await mailboxAction(rt, 'Bearer admin', '0a1b2c3d-0009-4e5f-8a9b-000000000009', 'rotate-client-state')).toMatchObject({ status: 404, jsonBody: { error: { code: 'NotFound' } } });
    await expect(mailboxAction(rt, null, adele.systemUserId, 'rotate-client-state')).rejects.toThrow('refused');
  });

  test('a mailbox without subscriptions (not enabled) has nothing to rotate', async () => {
    const env = setup();
    const { rt, sent } = runtime(env);
    expect(await rotateClientStates(rt, adele.systemUserId)).toMatchObject({ rotated: [], complete: true });
    expect(sent).toEqual([]);
  });
});

describe('SYNC_CLIENT_STATE_MAX_AGE_DAYS', () => {
  const base = {
    AzureWebJobsStorage: 'UseDevelopmentStorage=true', SYNC_TENANT_ID: '7d0f6b3e-5a1c-4c8e-9e59-2b8d4a1f0c11', SYNC_CLIENT_ID: 'b1e4f2a7-3c5d-4e6f-9a8b-1c2d3e4f5a61',
    SYNC_CLIENT_SECRET: 'x', SYNC_DATAVERSE_URL: 'https://contoso.crm.dynamics.com', SYNC_PUBLIC_BASE_URL: 'https://sync.example/api',
    SYNC_TODO_POLL_SCHEDULE: '*/30 * * * * *', SYNC_SUBSCRIPTION_RENEWAL_SCHEDULE: '0 */30 * * * *', SYNC_RECONCILIATION_SCHEDULE: '0 */15 * * * *',
  };

  test('defaults to 30 days; 0 (off) and whole numbers up to 3650 are accepted', () => {
    expect(loadConfig(base).clientStateMaxAgeDays).toBe(30);
    expect(loadConfig({ ...base, SYNC_CLIENT_STATE_MAX_AGE_DAYS: '' }).clientStateMaxAgeDays).toBe(30);
    expect(loadConfig({ ...base, SYNC_CLIENT_STATE_MAX_AGE_DAYS: '0' }).clientStateMaxAgeDays).toBe(0);
    expect(loadConfig({ ...base, SYNC_CLIENT_STATE_MAX_AGE_DAYS: ' 90 ' }).clientStateMaxAgeDays).toBe(90);
  });

  test.each(['-1', '1.5', '30d', 'abc', '4000'])('%j is refused with a message naming the setting and the range', (value) => {
    expect(() => loadConfig({ ...base, SYNC_CLIENT_STATE_MAX_AGE_DAYS: value }))
      .toThrow('SYNC_CLIENT_STATE_MAX_AGE_DAYS: must be a whole number of days from 0 to 3650, e.g. 30 (0 turns automatic clientState rotation off)');
  });
});

describe('npm run mailbox -- rotate-client-state', () => {
  test('takes a user or --all', () => {
    expect(parseCliArgs(['rotate-client-state', 'adele'], {}).command).toEqual({ name: 'rotate-client-state', user: 'adele', all: false });
    expect(parseCliArgs(['rotate-client-state', '--all'], {}).command).toEqual({ name: 'rotate-client-state', all: true });
  });

  test.each([
    [['rotate-client-state'], 'needs a <user>'],
    [['rotate-client-state', 'adele', '--all'], 'a <user> or --all, not both'],
    [['rotate-client-state', 'adele', '--wait'], '--wait do(es) not apply to rotate-client-state'],
    [['approve', 'adele', '--all'], '--all do(es) not apply to approve'],
  ])('%j → usage error', (argv, message) => {
    expect(() => parseCliArgs(argv, {})).toThrow(UsageError);
    expect(() => parseCliArgs(argv, {})).toThrow(message);
  });
});
