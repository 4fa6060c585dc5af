/**
 * Timer schedules: NCRONTAB ("sec min hour day month day-of-week", six fields; five are accepted too) through
 * croner, or a TimeSpan ("00:05:00": every five minutes). Like NCrontab, day-of-month and day-of-week must both
 * match (croner's default would be cron's OR). Times are UTC unless WEBSITE_TIME_ZONE names an IANA zone.
 */
import { Cron } from 'croner';
import { isTimeSpan, parseTimeSpan } from './timespan';

export interface Schedule {
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
  /** Reported to the function as `schedule.adjustForDST`: cron schedules follow wall-clock time, intervals don't. */
  adjustForDST: boolean;
  describe: string;
}

export function parseSchedule(expression: string, timezone = process.env.WEBSITE_TIME_ZONE || 'UTC'): Schedule {
  const text = expression.trim();
  if (isTimeSpan(text)) {
    const interval = parseTimeSpan(text);
    if (interval <= 0) throw new Error(`Timer schedule '${expression}' must be a positive interval`);
    return { next: (after) => new Date(after.getTime() + interval), adjustForDST: false, describe: `every ${interval} ms` };
  }
  let cron: Cron;
  try {
    cron = new Cron(text, { paused: true, domAndDow: true, timezone, mode: '5-or-6-parts' });
  } catch (error) {
    throw new Error(`Timer schedule '${expression}' is neither an NCRONTAB expression nor a TimeSpan: ${(error as Error).message}`);
  }
  return {
    next(after) {
      const next = cron.nextRun(after);
      if (!next) throw new Error(`Timer schedule '${expression}' has no future occurrence`);
      return next;
    },
    adjustForDST: true,
    describe: `'${text}' (${timezone})`,
  };
}
