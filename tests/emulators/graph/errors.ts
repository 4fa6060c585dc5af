/**
 * Graph's error shape, `{ error: { code, message, innerError: { date, request-id, client-request-id } } }`,
 * and the errors the emulator answers most often, with the codes and messages the real service uses
 * (Exchange-backed Outlook items) — see the report/README for which ones are observed vs. assumed.
 */
import { randomUUID } from 'node:crypto';
import { EmulatorHttpError } from '../common/server';

export interface InnerErrorExtra {
  code?: string;
  message?: string;
}

export function errorBody(code: string, message: string, inner: InnerErrorExtra = {}): unknown {
  const requestId = randomUUID();
  return {
    error: {
      code,
      message,
      innerError: {
        ...inner,
        date: new Date().toISOString().slice(0, 19),
        'request-id': requestId,
        'client-request-id': requestId,
      },
    },
  };
}

export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}, inner?: InnerErrorExtra): EmulatorHttpError {
  return new EmulatorHttpError(status, errorBody(code, message, inner), headers);
}

/** The To Do backend wraps its errors as `invalidRequest` with the specific code in innerError. */
export function todoError(status: number, message: string, innerCode: string, detail?: string): EmulatorHttpError {
  return graphError(status, 'invalidRequest', message, {}, { code: innerCode, ...(detail ? { message: detail } : {}) });
}

/** Outlook's type names in deserialization/URI errors (Graph forwards Exchange's own messages). */
export type ServiceTypeName = string;

export const errors = {
  itemNotFound: () => graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.'),
  idMalformed: () => graphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.'),
  accessDenied: () => graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.'),
  invalidUser: (id: string) => graphError(404, 'ErrorInvalidUser', `The requested user '${id}' is invalid.`),
  unknownProperty: (name: string, typeName: ServiceTypeName) => graphError(400, 'RequestBodyRead',
    `The property '${name}' does not exist on type '${typeName}'. Make sure to only use property names that are defined by the type or mark the type as open type.`),
  badValue: (message: string) => graphError(400, 'RequestBodyRead', message),
  uriProperty: (name: string, typeName: ServiceTypeName) => graphError(400, 'RequestBroker--ParseUri',
    `Could not find a property named '${name}' on type '${typeName}'.`),
  badQuery: (message: string) => graphError(400, 'BadRequest', message),
  invalidUrlQuery: (message: string) => graphError(400, 'ErrorInvalidUrlQuery', message),
  stale: () => graphError(412, 'ErrorIrresolvableConflict',
    'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.'),
  invalidRequest: (message: string) => graphError(400, 'ErrorInvalidRequest', message),
  timeZone: (name: string) => graphError(400, 'TimeZoneNotSupportedException',
    `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${name}'.`),
  notImplementedHere: (what: string) => graphError(501, 'NotImplemented',
    `Not supported by the sandbox Graph emulator (the real service supports it): ${what}.`),
};
