/** statecode/statuscode rules: defaults, pairs, what a create may ask for. */
import type { EmulatorHttpError } from '../../emulators/common/server';
import { isReadOnlyState, stateOnCreate, stateOnUpdate } from '../../emulators/dataverse/state-rules';
import { APPOINTMENT_TABLE, CONTACT_TABLE, TASK_TABLE } from '../../emulators/dataverse/tables';

const id = '00000000-0000-0000-0000-0000000000aa';
const message = (fn: () => unknown): string => {
  try { fn(); } catch (e) { return ((e as EmulatorHttpError).body as { error: { message: string } }).error.message; }
  throw new Error('expected an error');
};

test('creates start in the create state with its default status', () => {
  expect(stateOnCreate(TASK_TABLE, id, {})).toEqual({ statecode: 0, statuscode: 2 });
  expect(stateOnCreate(APPOINTMENT_TABLE, id, {})).toEqual({ statecode: 3, statuscode: 5 });
  expect(stateOnCreate(CONTACT_TABLE, id, {})).toEqual({ statecode: 0, statuscode: 1 });
  expect(stateOnCreate(APPOINTMENT_TABLE, id, { statecode: 0 })).toEqual({ statecode: 0, statuscode: 1 });
  expect(stateOnCreate(TASK_TABLE, id, { statuscode: 3 })).toEqual({ statecode: 0, statuscode: 3 });
});

test('a closed state on create is checked against the create state', () => {
  expect(message(() => stateOnCreate(TASK_TABLE, id, { statecode: 1, statuscode: 5 })))
    .toBe(`5 is not a valid status code for state code TaskState.Open on task with Id ${id}.`);
  expect(message(() => stateOnCreate(TASK_TABLE, id, { statecode: 2 })))
    .toBe(`6 is not a valid status code for state code TaskState.Open on task with Id ${id}.`);
});

test('updates: state change takes the default status, status alone stays in the state, no change → undefined', () => {
  const open = { statecode: 0, statuscode: 3 };
  expect(stateOnUpdate(TASK_TABLE, id, open, {})).toBeUndefined();
  expect(stateOnUpdate(TASK_TABLE, id, open, { statecode: 1 })).toEqual({ statecode: 1, statuscode: 5 });
  expect(stateOnUpdate(TASK_TABLE, id, open, { statuscode: 4 })).toEqual({ statecode: 0, statuscode: 4 });
  expect(stateOnUpdate(TASK_TABLE, id, open, { statecode: 0 })).toEqual(open);
  expect(message(() => stateOnUpdate(TASK_TABLE, id, open, { statuscode: 6 })))
    .toBe(`6 is not a valid status code for state code TaskState.Open on task with Id ${id}.`);
  expect(message(() => stateOnUpdate(APPOINTMENT_TABLE, id, { statecode: 3, statuscode: 5 }, { statecode: 2, statuscode: 3 })))
    .toBe(`3 is not a valid status code for state code AppointmentState.Canceled on appointment with Id ${id}.`);
});

test('completed and canceled activities are read-only states; open and scheduled are not', () => {
  expect([0, 1, 2].map((s) => isReadOnlyState(TASK_TABLE, s))).toEqual([false, true, true]);
  expect([0, 1, 2, 3].map((s) => isReadOnlyState(APPOINTMENT_TABLE, s))).toEqual([false, true, true, false]);
  expect(isReadOnlyState(CONTACT_TABLE, 1)).toBe(false);
});
