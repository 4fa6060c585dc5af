/**
 * The field mappings of the three record types, and what the engine needs around them: the registry, the
 * lookup columns and expansions every Dataverse read must ask for, direction settings.
 */
import { APPOINTMENT_MAPPING } from './appointment-mapping';
import { CONTACT_MAPPING } from './contact-mapping';
import { applyDirectionSettings } from './directions';
import type { CrmExpand, RecordMapping, RecordType } from './field-mapping';
import { TASK_MAPPING } from './task-mapping';

export * from './field-mapping';
export { APPOINTMENT_MAPPING, APPOINTMENT_STATE, SHOW_AS, type ShowAs } from './appointment-mapping';
export { CONTACT_MAPPING } from './contact-mapping';
export { TASK_MAPPING, TASK_STATE, TASK_STATUSES, type TaskStatus } from './task-mapping';
export { applyDirectionOverrides, applyDirectionSettings, FieldDirectionError, SYNC_DIRECTIONS, type DirectionOverrides, type DirectionSettings } from './directions';
export { MappingError } from './mapping-error';
export { htmlToText } from './conversions';
export { toIanaZone, toWindowsZone } from './time-zones';

/** The default mappings (directions as in Dynamics' synchronized-fields table). */
export const RECORD_MAPPINGS: Readonly<Record<RecordType, RecordMapping>> = {
  task: TASK_MAPPING,
  contact: CONTACT_MAPPING,
  appointment: APPOINTMENT_MAPPING,
};

/** The mappings with the administrator's direction settings applied (see directions.ts for the shape). */
export function buildMappings(directionSettings?: unknown, settingName?: string): Record<RecordType, RecordMapping> {
  return applyDirectionSettings(RECORD_MAPPINGS, directionSettings, settingName);
}

/** Every lookup column of every mapping: read as `_x_value` (SyncServices.lookupColumns). */
export const CRM_LOOKUP_COLUMNS: ReadonlySet<string> = new Set(Object.values(RECORD_MAPPINGS).flatMap((m) => m.crmLookupColumns ?? []));

/** What a Dataverse read of the record type must $expand (appointment parties). */
export function crmExpandFor(recordType: RecordType): readonly CrmExpand[] {
  return RECORD_MAPPINGS[recordType].crmExpand ?? [];
}
