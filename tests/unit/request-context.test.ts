/**
 * The request context (shared/observability/request-context.ts): found across awaits and timers, never
 * mixed between concurrent changes (also when a queue starts one change's task from another's), and the
 * GUID sent on the wire for any correlation id.
 */
import { MailboxPacer } from '../../shared/graph/mailbox-pacer';
import { createLogger } from '../../shared/logging';
import {
  bindToRequestContext, clientRequestIdFor, correlationFields, currentRequestContext, isGuid, runWithRequestContext,
} from '../../shared/observability/request-context';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('outside a change there is no context', () => {
  expect(currentRequestContext()).toBeUndefined();
});

test('a GUID correlation id goes on the wire unchanged', () => {
  for (const id of ['0f8fad5b-d9cb-469f-a165-70867728950e', '7C9E6679-7425-40DE-944B-E07FC1F90AE7']) {
    expect(clientRequestIdFor(id)).toBe(id);
    runWithRequestContext({ correlationId: id }, () => {
      expect(currentRequestContext()).toMatchObject({ correlationId: id, clientRequestId: id });
      expect(correlationFields(currentRequestContext()!)).toEqual({ correlationId: id });
    });
  }
});

test('any other id becomes a version-5 GUID, the same one every time', () => {
  const id = '0f8fad5b-d9cb-469f-a165-70867728950e-3';
  const guid = clientRequestIdFor(id);
  expect(isGuid(guid)).toBe(true);
  expect(guid[14]).toBe('5');
  expect('89ab').toContain(guid[19]);
  expect(clientRequestIdFor(id)).toBe(guid);
  expect(clientRequestIdFor(`${id}0`)).not.toBe(guid);
  expect(clientRequestIdFor('x')).not.toBe(clientRequestIdFor('y'));
  runWithRequestContext({ correlationId: id }, () => {
    expect(correlationFields(currentRequestContext()!)).toEqual({ correlationId: id, clientRequestId: guid });
  });
});

test('the context follows awaits and timers, and concurrent changes keep their own', async () => {
  const seen: string[] = [];
  const change = (id: string, delays: number[]) => runWithRequestContext({ correlationId: id }, async () => {
    for (const ms of delays) {
      await sleep(ms);
      await new Promise<void>((r) => setTimeout(() => { seen.push(`${id}=${currentRequestContext()?.correlationId}`); r(); }, 1));
    }
  });
  await Promise.all([change('a', [5, 1, 7]), change('b', [1, 6, 2]), change('c', [3, 3, 3])]);
  expect(seen).toHaveLength(9);
  for (const entry of seen) expect(entry.split('=')[0]).toBe(entry.split('=')[1]);
  expect(currentRequestContext()).toBeUndefined();
});

test('a task the pacer starts when another change\'s task ends still runs in its own change', async () => {
  const pacer = new MailboxPacer(1);
  const seen: Record<string, string | undefined> = {};
  const task = (name: string) => runWithRequestContext({ correlationId: name }, () =>
    pacer.run('mailbox', bindToRequestContext(async () => {
      await sleep(5);
      seen[name] = currentRequestContext()?.correlationId;
    })));
  await Promise.all(['first', 'second', 'third'].map(task));
  expect(seen).toEqual({ first: 'first', second: 'second', third: 'third' });
});

test('the context carries the logger given to it', () => {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l) }).child({ correlationId: 'c-1' });
  runWithRequestContext({ correlationId: 'c-1', log }, () => currentRequestContext()!.log!.log('information', 'hello'));
  expect(JSON.parse(lines[0]!)).toMatchObject({ message: 'hello', correlationId: 'c-1' });
});
