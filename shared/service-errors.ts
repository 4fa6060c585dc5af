/**
 * A failed call to Microsoft Graph or Dataverse, reduced to what the engine decides on (after Twenty's
 * provider error → code mapping): NOT_FOUND, PRECONDITION_FAILED (stale If-Match), THROTTLED, TEMPORARY,
 * ACCESS_DENIED (mailbox outside the app's Exchange scope, missing consent), INVALID_REQUEST (our bug or
 * bad data), UNKNOWN.
 */
import { SyncError } from './errors';

export type ServiceErrorCode = 'NOT_FOUND' | 'PRECONDITION_FAILED' | 'THROTTLED' | 'TEMPORARY' | 'ACCESS_DENIED' | 'INVALID_REQUEST' | 'UNKNOWN';

export abstract class ServiceRequestError extends SyncError {
  readonly isUserError: boolean;
  constructor(
    readonly code: ServiceErrorCode,
    readonly status: number | undefined,
    message: string,
    /** Seconds to wait, from Retry-After. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.isUserError = code === 'ACCESS_DENIED';
  }

  /** Worth retrying: passing faults, and lost races (412), whose retry reads both sides afresh. */
  get transient(): boolean {
    return this.code === 'THROTTLED' || this.code === 'TEMPORARY' || this.code === 'UNKNOWN' || this.code === 'PRECONDITION_FAILED';
  }
}

export function codeForStatus(status: number | undefined): ServiceErrorCode {
  if (status === undefined || status === -1) return 'TEMPORARY';
  if (status === 404 || status === 410) return 'NOT_FOUND';
  if (status === 412) return 'PRECONDITION_FAILED';
  if (status === 429) return 'THROTTLED';
  if (status === 401 || status === 403) return 'ACCESS_DENIED';
  if (status >= 500) return 'TEMPORARY';
  if (status >= 400) return 'INVALID_REQUEST';
  return 'UNKNOWN';
}

export function describeFailure(what: string, status: number | undefined, serviceCode: string | undefined, message: string): string {
  return `${what} failed${status ? ` (${status}${serviceCode ? ` ${serviceCode}` : ''})` : ''}: ${withoutEchoedValues(message)}`;
}

/**
 * The services quote the value they refuse ("Cannot convert the literal 'Jane Doe' to the expected type …",
 * "The value 7 of 'prioritycode' …"). That value is often personal data, and these messages end up in logs,
 * exception traces, poison entries and alerts: the value goes, the explanation stays.
 */
export function withoutEchoedValues(message: string): string {
  return message
    .replace(/\bliteral '[\s\S]*?' to the expected type/g, "literal '…' to the expected type")
    .replace(/\bThe value [\s\S]*? of '/g, "The value … of '");
}
