/**
 * Structured logs: one JSON object per line, always with the work item's correlation id, so that one
 * change can be followed from webhook to queue to worker to the other side. Values that could be
 * personal data (subjects, names, phones) are never logged — ids, kinds and counts only.
 */
export type LogLevel = 'debug' | 'information' | 'warning' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 0, information: 1, warning: 2, error: 3 };

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(options: { level?: LogLevel; sink?: (line: string) => void; fields?: Record<string, unknown> } = {}): Logger {
  const threshold = ORDER[options.level ?? 'information'];
  const sink = options.sink ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = options.fields ?? {};
  return {
    log(level, message, fields) {
      if (ORDER[level] < threshold) return;
      sink(JSON.stringify({ time: new Date().toISOString(), level, message, ...base, ...fields }));
    },
    child(fields) {
      return createLogger({ level: options.level, sink, fields: { ...base, ...fields } });
    },
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = { log() {}, child() { return silentLogger; } };
