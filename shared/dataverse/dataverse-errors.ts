/** Dataverse failures as ServiceRequestErrors, with Dataverse's own code (e.g. 0x80060882, etag mismatch). */
import { codeForStatus, describeFailure, ServiceRequestError, type ServiceErrorCode } from '../service-errors';

export class DataverseRequestError extends ServiceRequestError {
  constructor(code: ServiceErrorCode, status: number | undefined, readonly dataverseCode: string | undefined, message: string, retryAfterSeconds?: number) {
    super(code, status, message, retryAfterSeconds);
  }
}

/** Dataverse's refusal to update a completed or canceled activity. */
export const READ_ONLY_RECORD = '0x8004022e';

export function toDataverseRequestError(error: unknown, what: string): DataverseRequestError {
  if (error instanceof DataverseRequestError) return error;
  const e = error as { status?: number; code?: string; message?: string; headers?: Record<string, string> };
  const status = typeof e.status === 'number' ? e.status : undefined;
  // A 410 from Dataverse is an expired change-tracking token, not a missing row. A refused edit of a closed
  // activity ("read-only", 0x8004022e) is a lost race like a 412: the row was completed or canceled after we
  // read it (or came from an older image) — read afresh, the closed-rows rule keeps the edit in Exchange.
  const code = status === 410 ? 'INVALID_REQUEST' : e.code === READ_ONLY_RECORD ? 'PRECONDITION_FAILED' : codeForStatus(status);
  const retryAfter = Number(e.headers?.['retry-after'] ?? NaN);
  return new DataverseRequestError(code, status, e.code, describeFailure(what, status, e.code, e.message ?? String(error)), Number.isFinite(retryAfter) ? retryAfter : undefined);
}
