/**
 * The delivery test-control faults: which notification a fault applies to, counting down, reorder
 * draining, and the checks on a fault sent over HTTP.
 */
import { FaultList, parseFault, type Outgoing } from '../../emulators/graph/notifications-faults';

const out = (subscriptionId: string, channel: Outgoing['channel'] = 'change', n = 0): Outgoing =>
  ({ subscriptionId, url: 'https://x/n', channel, item: { n } });

test('a fault applies to change notifications of any subscription by default, and ends after `count`', () => {
  const faults = new FaultList();
  faults.add({ action: 'drop', count: 2 });
  expect(faults.take(out('a', 'lifecycle'))).toBeUndefined();
  expect(faults.take(out('a'))?.action).toBe('drop');
  expect(faults.take(out('b'))?.action).toBe('drop');
  expect(faults.take(out('c'))).toBeUndefined();
});

test('targeting one subscription or channel; the first matching fault wins', () => {
  const faults = new FaultList();
  faults.add({ action: 'delay', count: 1, subscriptionId: 'b', delayMs: 5 });
  faults.add({ action: 'duplicate', count: 1, channel: 'any' });
  expect(faults.take(out('a', 'lifecycle'))?.action).toBe('duplicate');
  expect(faults.take(out('a'))).toBeUndefined();
  expect(faults.take(out('b'))?.action).toBe('delay');
});

test('a reorder fault holds its notifications and drains them newest first', () => {
  const faults = new FaultList();
  faults.add({ action: 'reorder', count: 3 });
  const fault = faults.take(out('a', 'change', 1))!;
  fault.held.push(out('a', 'change', 1));
  faults.take(out('a', 'change', 2))!.held.push(out('a', 'change', 2));
  expect(faults.drainAll().map((held) => held.map((o) => o.item.n))).toEqual([[2, 1]]);
  expect(faults.take(out('a'))).toBeUndefined(); // drained faults are over
});

test('parseFault checks what the HTTP control receives', () => {
  expect(parseFault({ action: 'delay', count: 2, delayMs: 10 })).toMatchObject({ action: 'delay', count: 2, delayMs: 10, sendMissed: false });
  expect(() => parseFault({ action: 'explode', count: 0 })).toThrow(/action must be one of.*count must be/);
  expect(() => parseFault({ action: 'delay', count: 1 })).toThrow(/delayMs/);
  expect(() => parseFault({ action: 'drop', count: 1, channel: 'email' })).toThrow(/channel/);
  expect(() => parseFault(null)).toThrow(RangeError);
});
