/** Polls until an assertion passes (the sync is asynchronous), or fails with the last assertion error. */
export async function eventually<T>(check: () => Promise<T> | T, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let lastError: unknown;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw lastError;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}

/** Waits a while and checks that something stays true (no duplicate appears, no write happens). */
export async function stays(check: () => Promise<void> | void, forMs = 2000, intervalMs = 250): Promise<void> {
  const until = Date.now() + forMs;
  while (Date.now() < until) {
    await check();
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  await check();
}
