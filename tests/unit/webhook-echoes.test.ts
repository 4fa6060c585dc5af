import type { SyncLink } from '../../shared/correlation/link';
import type { StoredSubscription } from '../../shared/subscriptions/subscription-store';
import type { CrmChange, GraphChangeItem, GraphLifecycleItem } from '../../shared/sync/work-item';
import { crmEcho, isCrmEcho, isGraphEcho, withoutGraphEchoes, type EchoCheck, type LinkReader } from '../../shared/sync/echoes';
import { acceptNotifications, parseNotificationBatch } from '../../shared/webhooks/graph-notifications';

const MAILBOX = '3f6e2a90-1b7c-4d5e-8f21-0a9b8c7d6e51';
const OWNER = '0a1b2c3d-0001-4e5f-8a9b-000000000001';
const CRM_ID = '6d81597f-0f9f-e711-8122-000d3aa2331c';

function link(overrides: Partial<SyncLink> = {}): SyncLink {
  return {
    recordType: 'contact', crmId: CRM_ID, mailboxUserId: MAILBOX, ownerSystemUserId: OWNER, state: 'linked',
    graphId: 'AAMk-1', transactionId: 't', crmVersion: '1000', graphEtag: 'W/"ck-1"', snapshot: {},
    createdAt: '2026-11-25T00:00:00Z', updatedAt: '2026-11-25T00:00:00Z', etag: 'e', ...overrides,
  };
}

function crmChange(overrides: Partial<CrmChange> = {}): CrmChange {
  return { kind: 'crmChange', recordType: 'contact', crmId: CRM_ID, message: 'Update', versionNumber: '1000', correlationId: 'c', receivedAt: '2026-11-25T00:00:00Z', ...overrides };
}

function graphChange(overrides: Partial<GraphChangeItem> = {}): GraphChangeItem {
  return { kind: 'graphChange', recordType: 'contact', mailboxUserId: MAILBOX, graphId: 'AAMk-1', changeType: 'updated', etag: 'W/"ck-1"', correlationId: 'c', receivedAt: '2026-11-25T00:00:00Z', ...overrides };
}

/** A link table in memory: counts reads, can fail or stall, records the most reads in flight at once. */
const sleep = (ms: number) => new Promise((r) => { setTimeout(r, ms).unref(); }); // a stalled read left behind keeps nothing alive

function links(rows: SyncLink[], behaviour: { fail?: boolean; delayMs?: (graphId: string) => number } = {}) {
  const stats = { byCrm: 0, byGraph: 0, inFlight: 0, maxInFlight: 0 };
  const reader: LinkReader = {
    async getByCrmId(recordType, crmId) {
      stats.byCrm += 1;
      if (behaviour.fail) throw new Error('table unavailable');
      await sleep(behaviour.delayMs?.(crmId) ?? 0);
      return rows.find((l) => l.recordType === recordType && l.crmId === crmId);
    },
    async getByGraphId(mailboxUserId, graphId) {
      stats.byGraph += 1;
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      try {
        if (behaviour.fail) throw new Error('table unavailable');
        await sleep(behaviour.delayMs?.(graphId) ?? 1);
        return rows.find((l) => l.mailboxUserId === mailboxUserId && l.graphId === graphId);
      } finally {
        stats.inFlight -= 1;
      }
    },
  };
  return { reader, stats };
}

function counters() {
  const recorded: Array<[string, string]> = [];
  return { recorded, record: (systemUserId: string, what: 'skippedEcho') => { recorded.push([systemUserId, what]); } };
}

describe('the Dataverse echo rule (the worker\'s first check)', () => {
  test('a linked row delivered at or below the synced version is an echo; newer is a change', () => {
    expect(isCrmEcho(crmChange({ versionNumber: '1000' }), link())).toBe(true);
    expect(isCrmEcho(crmChange({ versionNumber: '999' }), link())).toBe(true);
    expect(isCrmEcho(crmChange({ versionNumber: '1001' }), link())).toBe(false);
    // Compared as integers, not strings: '999' < '1000' although it sorts after it.
    expect(isCrmEcho(crmChange({ versionNumber: '10000' }), link({ crmVersion: '9999' }))).toBe(false);
    expect(isCrmEcho(crmChange({ versionNumber: '18446744073709551615' }), link({ crmVersion: '18446744073709551616' }))).toBe(true);
  });

  test('never an echo: Delete, no link, pending or unlinked link, missing or malformed versions', () => {
    expect(isCrmEcho(crmChange({ message: 'Delete' }), link())).toBe(false);
    expect(isCrmEcho(crmChange(), undefined)).toBe(false);
    expect(isCrmEcho(crmChange(), link({ state: 'pending' }))).toBe(false);
    expect(isCrmEcho(crmChange(), link({ state: 'unlinked' }))).toBe(false);
    expect(isCrmEcho(crmChange({ versionNumber: undefined }), link())).toBe(false);
    expect(isCrmEcho(crmChange(), link({ crmVersion: undefined }))).toBe(false);
    expect(isCrmEcho(crmChange({ versionNumber: 'abc' }), link())).toBe(false);
    expect(isCrmEcho(crmChange({ versionNumber: '1.5' }), link())).toBe(false);
  });

  test('an echo is counted on the owner\'s mailbox and enqueues nothing', async () => {
    const { reader } = links([link()]);
    const c = counters();
    await expect(crmEcho(crmChange(), { links: reader, counters: c })).resolves.toMatchObject({ echo: true });
    expect(c.recorded).toEqual([[OWNER, 'skippedEcho']]);
    await expect(crmEcho(crmChange({ versionNumber: '1001' }), { links: reader, counters: c })).resolves.toEqual({ echo: false, because: 'notEcho' });
    await expect(crmEcho(crmChange({ crmId: '00000000-0000-4000-8000-000000000000' }), { links: reader, counters: c })).resolves.toEqual({ echo: false, because: 'notEcho' });
    expect(c.recorded).toHaveLength(1);
  });

  test('no read is spent on a Delete, a Create (never ours) or a delivery without a version: all enqueued', async () => {
    const { reader, stats } = links([link()]);
    for (const change of [crmChange({ message: 'Delete' }), crmChange({ message: 'Create' }), crmChange({ versionNumber: undefined })]) {
      await expect(crmEcho(change, { links: reader })).resolves.toEqual({ echo: false, because: 'notChecked' });
    }
    expect(stats.byCrm).toBe(0);
    // Every other message is checked: an owner change or a state change of our own write echoes too.
    for (const message of ['Update', 'Assign', 'SetState'] as const) {
      await expect(crmEcho(crmChange({ message }), { links: reader })).resolves.toMatchObject({ echo: true });
    }
  });

  test('a failed or slow link read is not an echo: the delivery is enqueued, never lost', async () => {
    const failing = links([link()], { fail: true });
    const c = counters();
    await expect(crmEcho(crmChange(), { links: failing.reader, counters: c })).resolves.toMatchObject({ echo: false, because: 'lookupFailed', error: 'table unavailable' });
    const slow = links([link()], { delayMs: () => 500 });
    const started = Date.now();
    await expect(crmEcho(crmChange(), { links: slow.reader, counters: c, timeoutMs: 50 })).resolves.toEqual({ echo: false, because: 'lookupTimedOut' });
    expect(Date.now() - started).toBeLessThan(400);
    const throwing: LinkReader = { getByCrmId: () => { throw new Error('sync throw'); }, getByGraphId: async () => undefined };
    await expect(crmEcho(crmChange(), { links: throwing })).resolves.toMatchObject({ echo: false, because: 'lookupFailed' });
    expect(c.recorded).toEqual([]);
  });
});

describe('the Graph echo rule (the worker\'s first check)', () => {
  test('created or updated with the etag we recorded on a linked link is an echo', () => {
    expect(isGraphEcho(graphChange({ changeType: 'created' }), link())).toBe(true);
    expect(isGraphEcho(graphChange({ changeType: 'updated' }), link())).toBe(true);
  });

  test('never an echo: deleted, another etag, no etag, no link, a link not linked', () => {
    expect(isGraphEcho(graphChange({ changeType: 'deleted' }), link())).toBe(false);
    expect(isGraphEcho(graphChange({ etag: 'W/"ck-2"' }), link())).toBe(false);
    expect(isGraphEcho(graphChange({ etag: undefined }), link())).toBe(false);
    expect(isGraphEcho(graphChange({ etag: undefined }), link({ graphEtag: undefined }))).toBe(false);
    expect(isGraphEcho(graphChange(), undefined)).toBe(false);
    expect(isGraphEcho(graphChange(), link({ state: 'pending' }))).toBe(false);
    expect(isGraphEcho(graphChange(), link({ state: 'unlinked' }))).toBe(false);
  });
});

describe('echoes removed from a notification batch', () => {
  const lifecycle: GraphLifecycleItem = { kind: 'graphLifecycle', subscriptionId: 's', lifecycleEvent: 'missed', correlationId: 'c', receivedAt: 'r' };

  test('our own create (created + updated, same etag) enqueues nothing, with one read; the rest keeps its order', async () => {
    const { reader, stats } = links([link(), link({ crmId: 'other', graphId: 'AAMk-2', graphEtag: 'W/"b-1"' })]);
    const c = counters();
    const items = [
      graphChange({ changeType: 'created', correlationId: 'c0' }),
      lifecycle,
      graphChange({ changeType: 'updated', correlationId: 'c1' }),
      graphChange({ graphId: 'AAMk-2', etag: 'W/"b-2"', correlationId: 'c2' }), // edited in Outlook
      graphChange({ graphId: 'AAMk-1', changeType: 'deleted', correlationId: 'c3' }),
      graphChange({ graphId: 'AAMk-9', correlationId: 'c4' }), // not ours
      graphChange({ etag: undefined, correlationId: 'c5' }),
    ];
    const result = await withoutGraphEchoes(items, { links: reader, counters: c });
    expect(result.echoes.map((e) => e.correlationId)).toEqual(['c0', 'c1']);
    expect(result.items.map((i) => i.correlationId)).toEqual(['c', 'c2', 'c3', 'c4', 'c5']);
    expect(result.unchecked).toBe(0);
    expect(stats.byGraph).toBe(3); // AAMk-1 once for both notifications, AAMk-2, AAMk-9; none for deleted / no etag
    expect(c.recorded).toEqual([[OWNER, 'skippedEcho'], [OWNER, 'skippedEcho']]);
  });

  test('nothing to check: no read', async () => {
    const { reader, stats } = links([link()]);
    const items = [lifecycle, graphChange({ changeType: 'deleted' }), graphChange({ etag: undefined })];
    const result = await withoutGraphEchoes(items, { links: reader });
    expect(result).toEqual({ items, echoes: [], unchecked: 0 });
    expect(stats.byGraph).toBe(0);
  });

  test('the reads run concurrently within the bound', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => link({ crmId: `id-${i}`, graphId: `g-${i}` }));
    const { reader, stats } = links(rows, { delayMs: () => 10 });
    const items = rows.map((r, i) => graphChange({ graphId: r.graphId!, correlationId: `c${i}` }));
    const started = Date.now();
    const result = await withoutGraphEchoes(items, { links: reader, concurrency: 4 });
    expect(result.echoes).toHaveLength(40);
    expect(result.items).toEqual([]);
    expect(stats.maxInFlight).toBe(4);
    expect(Date.now() - started).toBeLessThan(40 * 10); // not one after the other
  });

  test('failed reads are enqueued', async () => {
    const { reader } = links([link()], { fail: true });
    const c = counters();
    const items = [graphChange({ changeType: 'created' }), graphChange({ changeType: 'updated' })];
    const result = await withoutGraphEchoes(items, { links: reader, counters: c });
    expect(result.items).toEqual(items);
    expect(result.echoes).toEqual([]);
    expect(result.unchecked).toBe(2);
    expect(c.recorded).toEqual([]);
    const throwing: LinkReader = { getByCrmId: async () => undefined, getByGraphId: () => { throw new Error('sync throw'); } };
    await expect(withoutGraphEchoes(items, { links: throwing })).resolves.toMatchObject({ items, unchecked: 2 });
  });

  test('reads not finished within the budget are enqueued, and no new read starts after it', async () => {
    const rows = [link(), link({ crmId: 'slow', graphId: 'slow' }), ...Array.from({ length: 10 }, (_, i) => link({ crmId: `late-${i}`, graphId: `late-${i}` }))];
    const { reader, stats } = links(rows, { delayMs: (g) => (g === 'slow' ? 2_000 : g.startsWith('late') ? 300 : 1) });
    const items = rows.map((r, i) => graphChange({ graphId: r.graphId!, correlationId: `c${i}` }));
    const started = Date.now();
    const result = await withoutGraphEchoes(items, { links: reader, concurrency: 2, timeoutMs: 100 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result.echoes.map((e) => e.correlationId)).toEqual(['c0']);
    expect(result.items).toHaveLength(11);
    expect(result.unchecked).toBe(11);
    await new Promise((r) => setTimeout(r, 700));
    expect(stats.byGraph).toBeLessThan(6); // stopped at the deadline, not 12 reads
  });

  test('a deadline already passed: nothing read, everything enqueued', async () => {
    const { reader, stats } = links([link()]);
    const items = [graphChange()];
    await expect(withoutGraphEchoes(items, { links: reader }, Date.now() - 1)).resolves.toEqual({ items, echoes: [], unchecked: 1 });
    expect(stats.byGraph).toBe(0);
  });
});

describe('acceptNotifications with the echo check', () => {
  const subscription: StoredSubscription = {
    subscriptionId: 'a6b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', mailboxUserId: MAILBOX, systemUserId: OWNER, recordType: 'contact',
    resource: `users/${MAILBOX}/contacts`, clientStates: ['secret'], expirationDateTime: '2030-01-01T00:00:00Z', createdAt: '2026-11-25T00:00:00Z',
  };
  const lookup = async (id: string) => (id === subscription.subscriptionId ? subscription : undefined);
  const notification = (changeType: string, id: string, etag: string, clientState = 'secret') => ({
    subscriptionId: subscription.subscriptionId, clientState, changeType, resource: `Users/${MAILBOX}/Contacts/${id}`,
    resourceData: { '@odata.type': '#Microsoft.Graph.Contact', '@odata.id': `Users/${MAILBOX}/Contacts/${id}`, '@odata.etag': etag, id },
  });
  const batch = (value: unknown[]) => parseNotificationBatch(Buffer.from(JSON.stringify({ value })));

  test('echoes are answered but not enqueued; real edits and deletes are; unauthenticated ones are not even looked up', async () => {
    const { reader, stats } = links([link()]);
    const c = counters();
    const check: EchoCheck = { links: reader, counters: c };
    const result = await acceptNotifications(batch([
      notification('created', 'AAMk-1', 'W/"ck-1"'),
      notification('updated', 'AAMk-1', 'W/"ck-1"'),
      notification('updated', 'AAMk-1', 'W/"ck-2"'),
      notification('deleted', 'AAMk-1', 'W/"ck-1"'),
      notification('updated', 'AAMk-1', 'W/"ck-1"', 'wrong'),
    ]), lookup, (i) => `c${i}`, new Date('2026-11-25T00:00:00Z'), check);
    expect(result.echoes.map((e) => e.correlationId)).toEqual(['c0', 'c1']);
    expect(result.items.map((i) => [i.correlationId, (i as GraphChangeItem).changeType, (i as GraphChangeItem).etag])).toEqual([['c2', 'updated', 'W/"ck-2"'], ['c3', 'deleted', 'W/"ck-1"']]);
    expect(result.dropped.map((d) => d.reason)).toEqual(['clientStateMismatch']);
    expect(result.echoesUnchecked).toBe(0);
    expect(stats.byGraph).toBe(1);
    expect(c.recorded).toHaveLength(2);
  });

  test('without the check, everything valid is enqueued as before', async () => {
    const result = await acceptNotifications(batch([notification('created', 'AAMk-1', 'W/"ck-1"')]), lookup, () => 'c');
    expect(result.items).toHaveLength(1);
    expect(result.echoes).toEqual([]);
  });
});
