/**
 * Errors of the field mappings. A MappingError is ours to fix (the engine handed a mapping a row or item
 * that lacks what the field needs, or asked for a write the field cannot make): failing loudly beats
 * guessing a value that would then be written to the other side.
 */
import { SyncError } from '../errors';

export class MappingError extends SyncError {
  readonly isUserError = false;
}

/** A field that flows one way only was asked to write the other side. */
export function oneWayOnly(field: string, flows: 'crmToExchange' | 'exchangeToCrm'): never {
  const target = flows === 'crmToExchange' ? 'Dataverse' : 'Graph';
  throw new MappingError(`Field '${field}' syncs ${flows} only: it has no ${target} value to write`);
}
