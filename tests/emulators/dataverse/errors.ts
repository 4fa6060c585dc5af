/**
 * Dataverse Web API errors: the `{ "error": { "code": "0x…", "message": "…" } }` envelope and the messages the
 * platform uses for the failures the emulator models.
 *
 * Sources: fixtures error-*.json and batch-response-error.json (messages as printed by Microsoft Learn; the
 * 2022 conditional-operations page prints an empty `code`, today's service sends the hex code the Web API's
 * exception handler maps to the status: 0x80040217 → 404, 0x80060882 / 0x80040237 → 412, 0x80040220 → 403),
 * api-limits.md (429s), impersonate-another-user-web-api.md, use-change-tracking-…md. Messages marked
 * "(modelled)" follow the platform's wording as seen in public reports but were not found in Microsoft docs.
 */
import { EmulatorHttpError } from '../common/server';

export function dataverseError(status: number, code: string, message: string, headers: Record<string, string> = {}): EmulatorHttpError {
  return new EmulatorHttpError(status, { error: { code, message } }, headers);
}

/** ObjectDoesNotExist. Message as in error-404-upsert-prevent-create.json. */
export function notFound(logicalName: string, id: string): EmulatorHttpError {
  return dataverseError(404, '0x80040217', `${logicalName} With Id = ${id} Does Not Exist`);
}

/** ConcurrencyVersionMismatch (error-412-etag-mismatch.json). */
export function etagMismatch(): EmulatorHttpError {
  return dataverseError(412, '0x80060882', "The version of the existing record doesn't match the RowVersion property provided.");
}

/** DuplicateRecord: `If-None-Match: *` on an existing row (error-412-upsert-prevent-update.json). */
export function alreadyExists(): EmulatorHttpError {
  return dataverseError(412, '0x80040237', 'A record with matching key values already exists.');
}

/** Duplicate detection rule matched (error-412-duplicate-detection.json). */
export function duplicateDetected(): EmulatorHttpError {
  return dataverseError(412, '0x80040333', 'A record was not created or updated because a duplicate of the current record already exists.');
}

/** An unknown property in $select/$filter/$orderby/$expand (OData URI parser). */
export function propertyNotFound(logicalName: string, name: string): EmulatorHttpError {
  return dataverseError(400, '0x80060888', `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${logicalName}'.`);
}

/** Any other OData URI error (syntax, unsupported option). */
export function queryError(message: string): EmulatorHttpError {
  return dataverseError(400, '0x80060888', message);
}

/** The OData payload reader's errors, wrapped as the Web API wraps them. */
export function payloadError(entitySetName: string, inner: string): EmulatorHttpError {
  return dataverseError(400, '0x80048d19',
    `Error identified in Payload provided by the user for Entity :'${entitySetName}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : Microsoft.OData.ODataException: ${inner}`);
}

export function unknownPayloadProperty(entitySetName: string, logicalName: string, name: string): EmulatorHttpError {
  return payloadError(entitySetName, `The property '${name}' does not exist on type 'Microsoft.Dynamics.CRM.${logicalName}'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
}

export function cannotConvert(entitySetName: string, value: unknown, edmType: string): EmulatorHttpError {
  const literal = typeof value === 'string' ? value : JSON.stringify(value);
  return payloadError(entitySetName, `Cannot convert the literal '${literal}' to the expected type '${edmType}'.`);
}

/** String longer than the column's MaxLength (error-400-validation-subject-too-long.json; two spaces as printed). */
export function tooLong(logicalName: string, column: string, maxLength: number): EmulatorHttpError {
  return dataverseError(400, '0x80044331',
    `A validation error occurred.  The length of the '${column}' attribute of the '${logicalName}' entity exceeded the maximum allowed length of '${maxLength}'.`);
}

/** A choice value or number outside the column's range (modelled). */
export function outOfRange(logicalName: string, column: string, value: unknown, range?: { min?: number; max?: number }): EmulatorHttpError {
  const accepted = range && (range.min !== undefined || range.max !== undefined) ? ` Accepted range: ${range.min ?? ''} to ${range.max ?? ''}` : '';
  return dataverseError(400, '0x80040203',
    `A validation error occurred. The value ${String(value)} of '${column}' on record of type '${logicalName}' is outside the valid range.${accepted}`);
}

/** A statecode/statuscode pair the table does not define (modelled on the platform's wording). */
export function invalidStatus(statuscode: number, schemaName: string, stateLabel: string, logicalName: string, id: string): EmulatorHttpError {
  return dataverseError(400, '0x80048408', `${statuscode} is not a valid status code for state code ${schemaName}State.${stateLabel} on ${logicalName} with Id ${id}.`);
}

/** Update of a closed (completed/canceled) activity other than reopening it. */
export function readOnlyRecord(): EmulatorHttpError {
  return dataverseError(400, '0x8004022e', 'The object cannot be updated because it is read-only.');
}

/** A column the caller may not set (platform-managed); (modelled). */
export function notValidFor(logicalName: string, column: string, operation: 'Create' | 'Update'): EmulatorHttpError {
  return dataverseError(400, '0x80040203', `Attribute '${column}' of entity '${logicalName}' is not valid for ${operation}: it is set by the platform.`);
}

/** A SystemRequired column missing on create (modelled). */
export function requiredMissing(logicalName: string, column: string): EmulatorHttpError {
  return dataverseError(400, '0x80040203', `A validation error occurred. The value for the required attribute '${column}' of entity '${logicalName}' is missing.`);
}

/** The caller's application user does not exist (or is disabled) in the org. */
export function notMember(): EmulatorHttpError {
  return dataverseError(403, '0x80072560', 'The user is not a member of the organization.');
}

/** A privilege check failure (SecLib::AccessCheckEx), e.g. impersonation without prvActOnBehalfOfAnotherUser. */
export function missingPrivilege(callerId: string, privilege: string, objectTypeCode: number, logicalName: string): EmulatorHttpError {
  return dataverseError(403, '0x80040220',
    `Principal user (Id=${callerId}, type=8, roleCount=1, privilegeCount=0, accessMode=4), is missing ${privilege} privilege on OTC=${objectTypeCode} for entity '${logicalName}'. context.Caller=${callerId}`);
}

export function userDisabled(systemUserId: string, organizationId: string): EmulatorHttpError {
  return dataverseError(403, '0x80040225',
    `The user with SystemUserId=${systemUserId} in OrganizationContext=${organizationId} is disabled. Disabled users cannot access the system. Consider enabling this user. Also, users are disabled if they don't have a license assigned to them.`);
}

/** ExpiredVersionStamp: a change-tracking token older than the org keeps changes for. */
export function expiredDeltaToken(): EmulatorHttpError {
  return dataverseError(400, '0x80044352', 'Version stamp associated with the client has expired. Please perform a full sync.');
}

/**
 * `Prefer: odata.include-annotations` also annotates errors (compose-http-requests-handle-errors.md, fixture
 * error-400-plugin-with-annotations.json). Without it, the `@…` annotations an error carries are dropped.
 */
export function annotateError(body: unknown, includeAnnotations: boolean): unknown {
  if (!body || typeof body !== 'object' || !('error' in body)) return body;
  const error = { ...(body as { error: Record<string, unknown> }).error };
  if (!includeAnnotations) {
    for (const key of Object.keys(error)) if (key.startsWith('@')) delete error[key];
    return { error };
  }
  const code = String(error.code ?? '');
  const hex = code.replace(/^0x/i, '').toLowerCase();
  error['@Microsoft.PowerApps.CDS.HelpLink'] ??=
    `http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a${hex}&client=platform`;
  error['@Microsoft.PowerApps.CDS.InnerError.Message'] ??= error.message;
  return { error };
}
