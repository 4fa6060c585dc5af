/**
 * Facts the delete rules need, read from a link's canonical snapshot: is the To Do task completed, when
 * does the appointment end. Kept beside the rules' inputs so decide.ts stays free of mapping details.
 */
import type { RecordType } from '../mappings/field-mapping';
import type { Values } from './three-way-merge';

export interface RecordFacts {
  completed?: boolean;
  /** ISO instant the appointment ends. */
  endsAt?: string;
}

export function recordFacts(recordType: RecordType, snapshot: Values): RecordFacts {
  if (recordType === 'task') {
    const status = snapshot.status;
    const state = status && typeof status === 'object' && !Array.isArray(status) ? (status as Record<string, unknown>).state ?? status : status;
    return { completed: state === 'completed' };
  }
  if (recordType === 'appointment') {
    const time = snapshot.appointmentTime ?? snapshot.time;
    if (time && typeof time === 'object' && !Array.isArray(time)) {
      const end = (time as Record<string, unknown>).end;
      if (typeof end === 'string') return { endsAt: end };
    }
  }
  return {};
}
