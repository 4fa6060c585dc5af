import { InFlight, Wakeable } from '../../tools/local-host/wakeable';

test('a wake cuts a sleep short; a wake with nobody asleep is kept for the next sleep', async () => {
  const waker = new Wakeable();
  let started = Date.now();
  const sleeping = waker.sleep(5000);
  setTimeout(() => waker.wake(), 20);
  await sleeping;
  expect(Date.now() - started).toBeLessThan(1000);

  waker.wake(); // e.g. an output binding wrote while the listener was receiving
  started = Date.now();
  await waker.sleep(5000);
  expect(Date.now() - started).toBeLessThan(100);
});

test('InFlight.drain waits for tracked work, or gives up at its deadline', async () => {
  const inFlight = new InFlight();
  let finish!: () => void;
  void inFlight.track(new Promise<void>((resolve) => { finish = resolve; }));
  void inFlight.track(Promise.reject(new Error('failed work counts as finished')));
  expect(inFlight.size).toBe(2);
  expect(await inFlight.drain(50)).toBe(false);
  expect(inFlight.size).toBe(1);
  setTimeout(finish, 20);
  expect(await inFlight.drain(5000)).toBe(true);
  expect(inFlight.size).toBe(0);
});
