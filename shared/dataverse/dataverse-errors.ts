/** Dataverse failures mapped to the codes the engine acts on (same vocabulary as GraphRequestError). */
import { SyncError } from '../errors';
import type { GraphErrorCode } from '../graph/graph-errors';

export class DataverseRequestError extends SyncError {
  readonly isUserError: boolean;
  constructor(
    readonly code: GraphErrorCode,
    readonly status: number | undefined,
    /** Dataverse's own code, e.g. 0x80060882 (etag mismatch). */
    readonly dataverseCode: string | undefined,
    message: string,
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

export function toDataverseRequestError(error: unknown, what: string): DataverseRequestError {
  if (error instanceof DataverseRequestError) return error;
  const e = error as { status?: number; code?: string; message?: string; headers?: Record<string, string> };
  const status = typeof e.status === 'number' ? e.status : undefined;
  const code: GraphErrorCode =
    status === undefined ? 'TEMPORARY'
      : status === 404 ? 'NOT_FOUND'
        : status === 412 ? 'PRECONDITION_FAILED'
          : status === 429 ? 'THROTTLED'
            : status === 401 || status === 403 ? 'ACCESS_DENIED'
              : status >= 500 ? 'TEMPORARY'
                : 'INVALID_REQUEST';
  const retryAfter = Number(e.headers?.['retry-after'] ?? NaN);
  return new DataverseRequestError(code, status, e.code, `${what} failed${status ? ` (${status}${e.code ? ` ${e.code}` : ''})` : ''}: ${e.message ?? String(error)}`,
    Number.isFinite(retryAfter) ? retryAfter : undefined);
}
