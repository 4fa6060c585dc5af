/**
 * Graph failures turned into what the engine decides on (after Twenty's provider error → code mapping):
 * NOT_FOUND, PRECONDITION_FAILED (stale If-Match), THROTTLED, TEMPORARY, ACCESS_DENIED (mailbox outside the
 * app's Exchange scope, missing consent), INVALID_REQUEST (our bug or bad data), UNKNOWN.
 */
import { SyncError } from '../errors';

export type GraphErrorCode = 'NOT_FOUND' | 'PRECONDITION_FAILED' | 'THROTTLED' | 'TEMPORARY' | 'ACCESS_DENIED' | 'INVALID_REQUEST' | 'UNKNOWN';

export class GraphRequestError extends SyncError {
  readonly isUserError: boolean;
  constructor(
    readonly code: GraphErrorCode,
    readonly status: number | undefined,
    readonly graphCode: string | undefined,
    message: string,
    /** Seconds to wait, from Retry-After. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.isUserError = code === 'ACCESS_DENIED';
  }

  get transient(): boolean {
    // A lost race (412) is worth a retry too: the retry reads both sides afresh.
    return this.code === 'THROTTLED' || this.code === 'TEMPORARY' || this.code === 'UNKNOWN' || this.code === 'PRECONDITION_FAILED';
  }
}

function codeForStatus(status: number | undefined): GraphErrorCode {
  if (status === undefined || status === -1) return 'TEMPORARY';
  if (status === 404 || status === 410) return 'NOT_FOUND';
  if (status === 412 || status === 409) return 'PRECONDITION_FAILED';
  if (status === 429) return 'THROTTLED';
  if (status === 401 || status === 403) return 'ACCESS_DENIED';
  if (status >= 500) return 'TEMPORARY';
  if (status >= 400) return 'INVALID_REQUEST';
  return 'UNKNOWN';
}

/** Normalises whatever the Graph client threw (GraphError, fetch failures) into a GraphRequestError. */
export function toGraphRequestError(error: unknown, what: string): GraphRequestError {
  if (error instanceof GraphRequestError) return error;
  const e = error as { statusCode?: number; code?: string; message?: string; headers?: { get?(name: string): string | null } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const retryAfter = Number(e.headers?.get?.('retry-after') ?? NaN);
  return new GraphRequestError(
    codeForStatus(status),
    status,
    e.code,
    `${what} failed${status ? ` (${status}${e.code ? ` ${e.code}` : ''})` : ''}: ${e.message ?? String(error)}`,
    Number.isFinite(retryAfter) ? retryAfter : undefined,
  );
}
