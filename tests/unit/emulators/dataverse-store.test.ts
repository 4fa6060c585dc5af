/** The row store's transactions: undo exactly what a failed transaction did, publish work only on commit. */
import fc from 'fast-check';
import { RowStore } from '../../emulators/dataverse/store';

test('a failed transaction restores rows, removes its deletion log entries, and drops after-commit work', async () => {
  const store = new RowStore(100);
  store.put('task', 'a', { id: 'a', subject: 'one' });
  const published: string[] = [];
  await expect(store.transaction(async () => {
    store.put('task', 'a', { id: 'a', subject: 'changed' });
    store.put('task', 'b', { id: 'b' });
    store.remove('task', 'a');
    store.afterCommit(() => published.push('x'));
    throw new Error('boom');
  })).rejects.toThrow('boom');
  expect(store.rows('task')).toEqual([{ id: 'a', subject: 'one' }]);
  expect(store.deletionsSince('task', 0)).toEqual([]);
  expect(published).toEqual([]);
  // Versions are not given back (as SQL rowversion).
  expect(store.currentVersion).toBeGreaterThan(100);
});

test('nested transactions join the outer one: its failure undoes the inner work, its commit publishes everything', async () => {
  const store = new RowStore();
  const published: string[] = [];
  await store.transaction(async () => {
    await store.transaction(async () => { store.put('t', '1', { n: 1 }); store.afterCommit(() => published.push('inner')); });
    expect(published).toEqual([]);
    store.afterCommit(() => published.push('outer'));
  });
  expect(published).toEqual(['inner', 'outer']);
  await expect(store.transaction(async () => {
    await store.transaction(async () => { store.put('t', '2', { n: 2 }); });
    throw new Error('change set failed');
  })).rejects.toThrow();
  expect(store.get('t', '2')).toBeUndefined();
});

test('property: any sequence of puts and removes inside a failed transaction leaves the store as it was', async () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('put' as const), id: fc.constantFrom('a', 'b', 'c', 'd'), n: fc.integer() }),
    fc.record({ kind: fc.constant('remove' as const), id: fc.constantFrom('a', 'b', 'c', 'd') }),
  );
  await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 20 }), fc.array(op, { maxLength: 20 }), async (setup, failing) => {
    const store = new RowStore();
    const apply = (ops: typeof setup) => {
      for (const o of ops) {
        if (o.kind === 'put') store.put('t', o.id, { id: o.id, n: o.n });
        else store.remove('t', o.id);
      }
    };
    apply(setup);
    const before = JSON.stringify(store.rows('t').sort((x, y) => String(x.id).localeCompare(String(y.id))));
    const deletions = store.deletionsSince('t', 0).length;
    await store.transaction(async () => { apply(failing); throw new Error('rollback'); }).catch(() => undefined);
    expect(JSON.stringify(store.rows('t').sort((x, y) => String(x.id).localeCompare(String(y.id))))).toBe(before);
    expect(store.deletionsSince('t', 0)).toHaveLength(deletions);
  }));
});

test('expired tokens: every version issued before expiry is expired, later ones are not', () => {
  const store = new RowStore(10);
  const issued = store.currentVersion;
  store.expireTokens();
  expect(store.isExpired(issued)).toBe(true);
  expect(store.isExpired(store.currentVersion)).toBe(false);
});
