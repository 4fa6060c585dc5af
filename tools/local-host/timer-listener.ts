/**
 * Timer trigger: fires on an NCRONTAB or TimeSpan schedule (schedule.ts), optionally once at startup
 * (`runOnStartup`). An occurrence never overlaps the previous one: the next is scheduled only after the
 * invocation ends; occurrences missed while it ran collapse into one immediate, past-due firing.
 * The function gets the host's TimerInfo `{ schedule: { adjustForDST }, scheduleStatus: { last, next,
 * lastUpdated }, isPastDue }` (the library camel-cases it). The schedule monitor (status kept in storage across
 * restarts) is not reproduced.
 */
import type { RegisteredFunction } from './fake-core';
import { invoke } from './invoke';
import { jsonData } from './rpc';
import type { HostRuntime } from './runtime';
import { parseSchedule, type Schedule } from './schedule';
import { Wakeable } from './wakeable';

/** Later than this after its scheduled time, an invocation is past due. */
const PAST_DUE_MS = 1000;
/** .NET's DateTime.MinValue, what the host reports before a first run. */
const NEVER = '0001-01-01T00:00:00';

export interface TimerListener {
  schedule: Schedule;
  stop(): void;
}

export function startTimerListener(rt: HostRuntime, fn: RegisteredFunction): TimerListener {
  const [triggerName = '', trigger = {}] = Object.entries(fn.metadata.bindings).find(([, b]) => b.type?.toLowerCase() === 'timertrigger') ?? [];
  const schedule = parseSchedule(String(trigger.schedule));
  const waker = new Wakeable();
  let stopped = false;
  const status: { last?: Date; next: Date; lastUpdated: Date } = { next: schedule.next(new Date()), lastUpdated: new Date() };

  async function fire(isPastDue: boolean): Promise<void> {
    const timer = {
      Schedule: { AdjustForDST: schedule.adjustForDST },
      ScheduleStatus: { Last: status.last?.toISOString() ?? NEVER, Next: status.next.toISOString(), LastUpdated: status.lastUpdated.toISOString() },
      IsPastDue: isPastDue,
    };
    await rt.inFlight.track(invoke(rt, fn, {
      inputData: [{ name: triggerName, data: jsonData(timer) }],
      reason: `Timer fired at ${new Date().toISOString()}`,
    }));
  }

  void (async () => {
    if (trigger.runOnStartup && !stopped) await fire(false);
    while (!stopped) {
      const due = status.next;
      // Long waits are cut into pieces: setTimeout cannot wait more than ~24 days, and clocks drift.
      while (!stopped && Date.now() < due.getTime()) await waker.sleep(Math.min(due.getTime() - Date.now(), 60_000));
      if (stopped) break;
      const isPastDue = Date.now() - due.getTime() > PAST_DUE_MS;
      await fire(isPastDue);
      const now = new Date();
      let next = schedule.next(due);
      // Occurrences missed while it ran get one catch-up firing (past due), not one each.
      if (next.getTime() <= now.getTime() && isPastDue) next = schedule.next(now);
      Object.assign(status, { last: due, next, lastUpdated: now });
    }
  })();

  return {
    schedule,
    stop() {
      stopped = true;
      waker.wake();
    },
  };
}
