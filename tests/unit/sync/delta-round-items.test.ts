/**
 * A To Do delta round hands each task on with its work item (the worker need not read it again); events and
 * contacts are found by notifications and read by the worker, and a copy too big for a queue message is left out.
 */
import type { GraphSubscriptionsGateway } from '../../../shared/graph/graph-gateway';
import type { GraphItem, RecordType } from '../../../shared/mappings/field-mapping';
import type { DeltaCursorStore } from '../../../shared/sync/delta-cursors';
import { runDeltaRound } from '../../../shared/sync/delta-round';
import { MAX_WORK_ITEM_BYTES, graphChangeSchema, type GraphChangeItem } from '../../../shared/sync/work-item';

const MAILBOX = '3f6e2a90-1b7c-4d5e-8f21-0a9b8c7d6e51';

async function round(recordType: RecordType, value: GraphItem[]): Promise<GraphChangeItem[]> {
  const gateway = { deltaPage: async () => ({ value, '@odata.deltaLink': 'https://graph/delta?$deltatoken=x' }) } as unknown as GraphSubscriptionsGateway;
  const cursors = { get: async () => undefined, set: async () => undefined, clear: async () => undefined } as unknown as DeltaCursorStore;
  let delivered: GraphChangeItem[] = [];
  await runDeltaRound(gateway, cursors, {
    mailboxUserId: MAILBOX, recordType, containerId: recordType === 'task' ? 'list1' : undefined,
    deliver: async (items) => { delivered = items; },
  });
  return delivered;
}

const task = (id: string, o: GraphItem = {}): GraphItem => ({
  '@odata.etag': `W/"${id}"`, id, title: `Task ${id}`, status: 'completed', importance: 'normal', lastModifiedDateTime: '2026-11-20T10:00:00Z', body: { content: '', contentType: 'text' }, ...o,
});

test('a To Do task travels with its work item, and survives the work-item schema', async () => {
  const [item] = await round('task', [task('t1')]);
  expect(item).toMatchObject({ kind: 'graphChange', recordType: 'task', graphId: 't1', containerId: 'list1', changeType: 'updated', etag: 'W/"t1"', item: task('t1') });
  expect(graphChangeSchema.parse(JSON.parse(JSON.stringify(item))).item).toEqual(task('t1'));
});

test('a removed task carries nothing; a task too big for a queue message is left out and read by the worker', async () => {
  const huge = task('t2', { body: { content: 'x'.repeat(MAX_WORK_ITEM_BYTES), contentType: 'text' } });
  const [removed, big, small] = await round('task', [{ id: 't0', '@removed': { reason: 'deleted' } }, huge, task('t3')]);
  expect(removed).toMatchObject({ graphId: 't0', changeType: 'deleted' });
  expect(removed).not.toHaveProperty('item');
  expect(big).toMatchObject({ graphId: 't2', changeType: 'updated', etag: 'W/"t2"' });
  expect(big).not.toHaveProperty('item');
  expect(Buffer.byteLength(JSON.stringify(big))).toBeLessThan(1000);
  expect(small!.item).toEqual(task('t3'));
});

test('events and contacts found by a delta round (reconciliation) are read by the worker, as before', async () => {
  for (const type of ['appointment', 'contact'] as const) {
    const [item] = await round(type, [{ id: 'x1', '@odata.etag': 'W/"x1"', subject: 'Review', displayName: 'Someone' }]);
    expect(item).toMatchObject({ recordType: type, graphId: 'x1', etag: 'W/"x1"' });
    expect(item).not.toHaveProperty('item');
  }
});
