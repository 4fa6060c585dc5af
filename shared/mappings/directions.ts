/**
 * Per-field sync directions, as Dynamics lets an administrator set them ("Control field synchronization
 * between customer engagement apps and Outlook or Exchange"): every settable pair may be two-way, one-way
 * either way or none; the pairs Dynamics' table leaves blank in its "settable" column keep their default.
 *
 * Settings shape (e.g. an app setting holding JSON):
 *   { "task": { "description": "crmToExchange" }, "contact": { "homeAddress": "twoWay" } }
 * Overrides are validated whole: an unknown record type or field, a direction that is not one of the
 * four, or a change to a fixed field is an error naming exactly that field — never silently ignored.
 */
import { ConfigurationError, SyncError } from '../errors';
import type { RecordMapping, RecordType, SyncDirection } from './field-mapping';

export const SYNC_DIRECTIONS: readonly SyncDirection[] = ['twoWay', 'crmToExchange', 'exchangeToCrm', 'none'];
const RECORD_TYPES: readonly RecordType[] = ['task', 'contact', 'appointment'];

export type DirectionOverrides = Readonly<Record<string, SyncDirection>>;
export type DirectionSettings = Partial<Record<RecordType, DirectionOverrides>>;

/** A direction override the mapping cannot take; names the record type and field. */
export class FieldDirectionError extends SyncError {
  readonly isUserError = true;
  constructor(readonly recordType: string, readonly field: string, message: string) {
    super(message);
  }
}

function isDirection(value: unknown): value is SyncDirection {
  return typeof value === 'string' && (SYNC_DIRECTIONS as readonly string[]).includes(value);
}

/** Why `direction` cannot be applied to `field` of `mapping`, or undefined when it can. */
function problemWith(mapping: RecordMapping, field: string, direction: unknown): string | undefined {
  const target = mapping.fields.find((f) => f.name === field);
  if (!target) {
    return `unknown ${mapping.recordType} field '${field}' (fields: ${mapping.fields.map((f) => f.name).join(', ')})`;
  }
  if (!isDirection(direction)) {
    return `invalid direction ${JSON.stringify(direction)} for ${mapping.recordType} field '${field}' (expected one of ${SYNC_DIRECTIONS.join(', ')})`;
  }
  if (!target.settable && direction !== target.defaultDirection) {
    return `${mapping.recordType} field '${field}' has a fixed direction (${target.defaultDirection}) in Dynamics' synchronized-fields table and cannot be set to ${direction}`;
  }
  return undefined;
}

/** The mapping with the given fields' directions replaced. Throws FieldDirectionError on the first bad entry. */
export function applyDirectionOverrides(mapping: RecordMapping, overrides: Readonly<Record<string, unknown>>): RecordMapping {
  for (const [field, direction] of Object.entries(overrides)) {
    const problem = problemWith(mapping, field, direction);
    if (problem) throw new FieldDirectionError(mapping.recordType, field, `Direction setting rejected: ${problem}`);
  }
  return {
    ...mapping,
    fields: mapping.fields.map((f) => {
      const direction = overrides[f.name];
      return isDirection(direction) && direction !== f.defaultDirection ? { ...f, defaultDirection: direction } : f;
    }),
  };
}

/**
 * Applies a whole settings object (already parsed, or its JSON text) to every record type. Throws one
 * ConfigurationError listing every problem, each under `<setting>.<recordType>.<field>`.
 */
export function applyDirectionSettings(
  mappings: Readonly<Record<RecordType, RecordMapping>>,
  settings: unknown,
  settingName = 'SYNC_FIELD_DIRECTIONS',
): Record<RecordType, RecordMapping> {
  const result: Record<RecordType, RecordMapping> = { ...mappings };
  if (settings === undefined || settings === null || settings === '') return result;
  let parsed = settings;
  if (typeof settings === 'string') {
    try {
      parsed = JSON.parse(settings);
    } catch (error) {
      throw new ConfigurationError([{ setting: settingName, problem: `is not valid JSON (${(error as Error).message})` }]);
    }
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigurationError([{ setting: settingName, problem: 'must be an object keyed by record type (task, contact, appointment)' }]);
  }
  const problems: Array<{ setting: string; problem: string }> = [];
  for (const [recordType, overrides] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(RECORD_TYPES as readonly string[]).includes(recordType)) {
      problems.push({ setting: `${settingName}.${recordType}`, problem: `unknown record type (expected one of ${RECORD_TYPES.join(', ')})` });
      continue;
    }
    if (!overrides || typeof overrides !== 'object' || Array.isArray(overrides)) {
      problems.push({ setting: `${settingName}.${recordType}`, problem: 'must be an object of field name → direction' });
      continue;
    }
    const mapping = mappings[recordType as RecordType];
    for (const [field, direction] of Object.entries(overrides as Record<string, unknown>)) {
      const problem = problemWith(mapping, field, direction);
      if (problem) problems.push({ setting: `${settingName}.${recordType}.${field}`, problem });
    }
    if (problems.length === 0) result[recordType as RecordType] = applyDirectionOverrides(mapping, overrides as Record<string, unknown>);
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return result;
}
