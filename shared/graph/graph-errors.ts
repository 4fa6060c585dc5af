/** Graph failures as ServiceRequestErrors, with Graph's own error code (e.g. ErrorAccessDenied). */
import { codeForStatus, describeFailure, ServiceRequestError, type ServiceErrorCode } from '../service-errors';

export type GraphErrorCode = ServiceErrorCode;

export class GraphRequestError extends ServiceRequestError {
  constructor(code: ServiceErrorCode, status: number | undefined, readonly graphCode: string | undefined, message: string, retryAfterSeconds?: number) {
    super(code, status, message, retryAfterSeconds);
  }
}

/** Normalises whatever the Graph client threw (GraphError, fetch failures) into a GraphRequestError. */
export function toGraphRequestError(error: unknown, what: string): GraphRequestError {
  if (error instanceof GraphRequestError) return error;
  const e = error as { statusCode?: number; code?: string; message?: string; headers?: { get?(name: string): string | null } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  // Graph answers 409 for some conflicting writes (e.g. a concurrent change): a lost race, like 412.
  const code = status === 409 ? 'PRECONDITION_FAILED' : codeForStatus(status);
  const retryAfter = Number(e.headers?.get?.('retry-after') ?? NaN);
  return new GraphRequestError(code, status, e.code, describeFailure(what, status, e.code, e.message ?? String(error)), Number.isFinite(retryAfter) ? retryAfter : undefined);
}
