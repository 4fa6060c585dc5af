/**
 * statecode/statuscode rules of tasks and appointments (task.md / appointment.md; optionsets.json): completing
 * is statecode 1 + statuscode 5, invalid pairs are refused, a completed or canceled activity is read-only until
 * reopened, actualend is stamped on close, appointments are created Scheduled/Busy.
 */
import { startDataverseSandbox, type DataverseSandbox } from '../../emulators/dataverse/harness';

let sandbox: DataverseSandbox;
beforeAll(async () => { sandbox = await startDataverseSandbox(); });
afterAll(() => sandbox.close());

async function create(set: string, body: Record<string, unknown>): Promise<string> {
  const res = await sandbox.call(set, { method: 'POST', body });
  expect(res.status).toBe(204);
  return /\(([^)]+)\)$/.exec(res.headers.get('odata-entityid')!)![1]!;
}

const patch = (set: string, id: string, body: Record<string, unknown>) => sandbox.call(`${set}(${id})`, { method: 'PATCH', body });
const row = (table: string, id: string) => sandbox.dataverse.context.rows(table).find((r) => r[`${table === 'task' || table === 'appointment' ? 'activity' : table}id`] === id)!;
const errorOf = async (res: Response) => (await res.json() as { error: { code: string; message: string } }).error;

test('completing a task: statecode 1 + statuscode 5, actualend stamped; statecode alone takes the default status', async () => {
  const id = await create('tasks', { subject: 'Complete me', scheduledend: '2030-01-10T17:00:00Z' });
  expect(row('task', id)).toMatchObject({ statecode: 0, statuscode: 2, actualend: null });
  const before = Date.now();
  expect((await patch('tasks', id, { statecode: 1, statuscode: 5 })).status).toBe(204);
  const completed = row('task', id);
  expect(completed).toMatchObject({ statecode: 1, statuscode: 5 });
  expect(Date.parse(completed.actualend as string)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);

  const other = await create('tasks', { subject: 'Default status' });
  expect((await patch('tasks', other, { statecode: 2 })).status).toBe(204);
  expect(row('task', other)).toMatchObject({ statecode: 2, statuscode: 6 });
});

test('an invalid statecode/statuscode pair is refused with the platform message', async () => {
  const id = await create('tasks', { subject: 'Bad pair' });
  const bad = await patch('tasks', id, { statecode: 1, statuscode: 2 });
  expect(bad.status).toBe(400);
  expect(await errorOf(bad)).toEqual({ code: '0x80048408', message: `2 is not a valid status code for state code TaskState.Completed on task with Id ${id}.` });
  // A status alone must belong to the current state: the state is not inferred from it.
  const statusOnly = await patch('tasks', id, { statuscode: 5 });
  expect((await errorOf(statusOnly)).message).toBe(`5 is not a valid status code for state code TaskState.Open on task with Id ${id}.`);
  // Within the state it is fine.
  expect((await patch('tasks', id, { statuscode: 7 })).status).toBe(204);
  expect(row('task', id)).toMatchObject({ statecode: 0, statuscode: 7 });
  const unknown = await patch('tasks', id, { statecode: 9 });
  expect(unknown.status).toBe(400);
  expect((await errorOf(unknown)).message).toContain("The value 9 of 'statecode' on record of type 'task' is outside the valid range.");
});

test('a completed task is read-only until reopened; reopening with other columns applies them', async () => {
  const id = await create('tasks', { subject: 'Read only after completion' });
  await patch('tasks', id, { statecode: 1, statuscode: 5 });
  const edit = await patch('tasks', id, { description: 'late edit' });
  expect(edit.status).toBe(400);
  expect(await errorOf(edit)).toEqual({ code: '0x8004022e', message: 'The object cannot be updated because it is read-only.' });
  expect(row('task', id).description).toBeNull();
  const actualend = row('task', id).actualend;

  const reopen = await patch('tasks', id, { statecode: 0, statuscode: 3, description: 'reopened', percentcomplete: 50 });
  expect(reopen.status).toBe(204);
  expect(row('task', id)).toMatchObject({ statecode: 0, statuscode: 3, description: 'reopened', percentcomplete: 50, actualend });

  await patch('tasks', id, { statecode: 2, statuscode: 6 });
  expect((await patch('tasks', id, { subject: 'canceled edit' })).status).toBe(400);
});

test('a task cannot be created completed: the status is checked against the Open state', async () => {
  const res = await sandbox.call('tasks', { method: 'POST', body: { subject: 'Born complete', statecode: 1, statuscode: 5 } });
  expect(res.status).toBe(400);
  expect((await errorOf(res)).message).toMatch(/^5 is not a valid status code for state code TaskState\.Open on task with Id [0-9a-f-]{36}\.$/);
  expect(sandbox.dataverse.context.rows('task').some((t) => t.subject === 'Born complete')).toBe(false);
});

test('appointments are created Scheduled/Busy and follow their own state model', async () => {
  const id = await create('appointments', { subject: 'Quarterly review', scheduledstart: '2030-02-01T09:00:00Z', scheduledend: '2030-02-01T10:00:00Z' });
  expect(row('appointment', id)).toMatchObject({ statecode: 3, statuscode: 5, isalldayevent: false, prioritycode: 1, instancetypecode: 0 });
  expect((await patch('appointments', id, { statecode: 3, statuscode: 6 })).status).toBe(204);
  expect((await patch('appointments', id, { statecode: 0, statuscode: 2 })).status).toBe(204);
  const wrong = await patch('appointments', id, { statecode: 3, statuscode: 1 });
  expect((await errorOf(wrong)).message).toBe(`1 is not a valid status code for state code AppointmentState.Scheduled on appointment with Id ${id}.`);
  expect((await patch('appointments', id, { statecode: 1, statuscode: 3 })).status).toBe(204);
  expect((await patch('appointments', id, { location: 'Room 4' })).status).toBe(400);
});

test('percentcomplete outside 0-100 and an unknown priority are refused', async () => {
  const id = await create('tasks', { subject: 'Ranges' });
  const percent = await patch('tasks', id, { percentcomplete: 101 });
  expect(percent.status).toBe(400);
  expect((await errorOf(percent)).message).toContain('Accepted range: 0 to 100');
  expect((await patch('tasks', id, { prioritycode: 3 })).status).toBe(400);
  expect(row('task', id)).toMatchObject({ percentcomplete: null, prioritycode: 1 });
});
