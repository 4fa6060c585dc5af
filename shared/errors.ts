/**
 * Typed errors. Like @azure/functions' own split, a *system* error is ours (a bug or an outage) and a
 * *user* error is the operator's or the caller's to fix (a setting, a bad request); both carry what an
 * operator needs to act.
 */
export abstract class SyncError extends Error {
  abstract readonly isUserError: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One or more app settings are missing or malformed. Thrown once, at start, naming every one. */
export class ConfigurationError extends SyncError {
  readonly isUserError = true;
  constructor(readonly problems: ReadonlyArray<{ setting: string; problem: string }>) {
    super(
      `Invalid configuration (${problems.length} setting${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.setting}: ${p.problem}`).join('\n') +
        '\nEvery setting is documented in local.settings.sample.json.',
    );
  }
}

/** A request we cannot accept (bad body, bad signature...). Answered 4xx, nothing enqueued. */
export class BadRequestError extends SyncError {
  readonly isUserError = true;
  constructor(message: string, readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 = 400, readonly code = 'BadRequest') {
    super(message);
  }
}

/** Normalises anything thrown into an Error. */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value));
}
