/**
 * A sleep that can be cut short. Listeners poll with back-off; a new message (written by this host) or a
 * shutdown wakes them at once instead of waiting out the interval. A wake that arrives while nobody sleeps
 * is kept, so the next sleep returns immediately and no wake-up is lost between two polls.
 */
export class Wakeable {
  private pending = false;
  private wakeSleeper?: () => void;

  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleeper = done;
    });
  }

  wake(): void {
    if (this.wakeSleeper) this.wakeSleeper();
    else this.pending = true;
  }
}

/** Counts in-flight work so that shutdown can wait for it (with a deadline). */
export class InFlight {
  private readonly work = new Set<Promise<unknown>>();
  private readonly changed = new Wakeable();

  get size(): number {
    return this.work.size;
  }

  track<T>(promise: Promise<T>): Promise<T> {
    this.work.add(promise);
    const forget = (): void => {
      this.work.delete(promise);
      this.changed.wake();
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Resolves true when everything finished, false when `timeoutMs` passed first. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.work.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.changed.sleep(Math.min(left, 1000));
    }
    return true;
  }
}
