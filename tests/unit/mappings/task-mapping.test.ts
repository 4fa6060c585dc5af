import fc from 'fast-check';
import { TASK_MAPPING, TASK_STATUSES } from '../../../shared/mappings/task-mapping';
import type { CrmRow, GraphItem } from '../../../shared/mappings/field-mapping';
import { fixture } from '../../support/fixtures';
import { arb, context, crmRowOf, crmValuesOf, EASTERN, field, graphItemOf, graphValuesOf, TOKYO, UTC, ZONES, type Values } from './support';

const todoTask = fixture<GraphItem>('graph/todo-task.json');
const crmTasks = fixture<{ Contact_Tasks: CrmRow[] }>('dataverse/contact-with-tasks-expanded.json').Contact_Tasks;
const batchTasks = fixture<{ value: CrmRow[] }>('dataverse/tasks-query-response.json').value;

describe('task ↔ todoTask: the documented payloads', () => {
  test('fixture todo-task.json reads as the task it shows (due date = midnight EDT, a date)', () => {
    expect(graphValuesOf(TASK_MAPPING, todoTask, EASTERN)).toEqual({
      subject: 'Shop for dinner', description: null, dueDate: '2020-08-25', startDate: null,
      status: 'notStarted', dateCompleted: null, priority: 'low',
    });
  });

  test('fixture contact-with-tasks-expanded.json: CRM due/start instants become dates in the mailbox zone', () => {
    const [sign] = crmTasks;
    // 2023-04-18T21:00Z is 17:00 in New York but already the 19th, 06:00, in Tokyo.
    expect(crmValuesOf(TASK_MAPPING, sign!, EASTERN)).toMatchObject({ subject: 'Sign invoice', description: 'Invoice #12321', dueDate: '2023-04-18', startDate: '2023-04-18' });
    expect(crmValuesOf(TASK_MAPPING, sign!, TOKYO)).toMatchObject({ dueDate: '2023-04-19', startDate: '2023-04-19' });
    expect(crmValuesOf(TASK_MAPPING, sign!, UTC)).toMatchObject({ dueDate: '2023-04-18', startDate: '2023-04-18' });
  });

  test.each(ZONES.map((z) => [z.windowsTimeZone, z] as const))('every field, every fixture row: CRM → Graph → CRM is stable (%s)', (_name, ctx) => {
    for (const row of [...crmTasks, ...batchTasks]) {
      for (const f of TASK_MAPPING.fields) {
        const v = f.fromCrm(row, ctx);
        expect([f.name, f.fromGraph(f.toGraph(v, ctx), ctx)]).toEqual([f.name, v]);
        expect([f.name, f.fromCrm({ ...row, ...f.toCrm(v, ctx) }, ctx)]).toEqual([f.name, v]);
      }
    }
  });

  test.each(ZONES.map((z) => [z.windowsTimeZone, z] as const))('every field of todo-task.json: Graph → CRM → Graph is stable (%s)', (_name, ctx) => {
    const values = graphValuesOf(TASK_MAPPING, todoTask, ctx);
    const row = crmRowOf(TASK_MAPPING, values, ctx);
    expect(crmValuesOf(TASK_MAPPING, row, ctx)).toEqual(values);
    expect(graphValuesOf(TASK_MAPPING, graphItemOf(TASK_MAPPING, values, ctx), ctx)).toEqual(values);
  });
});

describe('due dates are dates', () => {
  const due = field(TASK_MAPPING, 'dueDate');

  test('written to To Do as midnight in the mailbox zone, to Dataverse as the instant of that local midnight', () => {
    expect(due.toGraph('2024-03-10', TOKYO)).toEqual({ dueDateTime: { dateTime: '2024-03-10T00:00:00.0000000', timeZone: 'Tokyo Standard Time' } });
    expect(due.toCrm('2024-03-10', TOKYO)).toEqual({ scheduledend: '2024-03-09T15:00:00Z' });
    expect(due.toCrm('2024-03-10', EASTERN)).toEqual({ scheduledend: '2024-03-10T05:00:00Z' }); // EST: DST starts at 02:00
    expect(due.toCrm('2024-03-11', EASTERN)).toEqual({ scheduledend: '2024-03-11T04:00:00Z' }); // EDT
    expect(due.toCrm(null, EASTERN)).toEqual({ scheduledend: null });
    expect(due.toGraph(null, EASTERN)).toEqual({ dueDateTime: null });
  });

  test("To Do's answer — that day's local midnight expressed in UTC — reads as the same date", () => {
    // What To Do returns for a Tokyo user's due date of 10 March: the 9th, 15:00 UTC.
    expect(due.fromGraph({ dueDateTime: { dateTime: '2024-03-09T15:00:00.0000000', timeZone: 'UTC' } }, TOKYO)).toBe('2024-03-10');
    expect(due.fromGraph({ dueDateTime: { dateTime: '2024-03-11T04:00:00.0000000', timeZone: 'UTC' } }, EASTERN)).toBe('2024-03-11');
    expect(due.fromGraph({ dueDateTime: { dateTime: '2024-03-10T00:00:00.0000000', timeZone: 'Eastern Standard Time' } }, EASTERN)).toBe('2024-03-10');
  });

  test('a due date set from a client in another zone (local midnight there, in UTC) still reads as its date', () => {
    // Reported values: due 2024-10-24 set at UTC−10 reads 10:00Z on the 24th; set at UTC+14, 10:00Z on the 23rd.
    expect(due.fromGraph({ dueDateTime: { dateTime: '2024-10-24T10:00:00.0000000', timeZone: 'UTC' } }, context('Hawaiian Standard Time'))).toBe('2024-10-24');
    expect(due.fromGraph({ dueDateTime: { dateTime: '2024-10-24T10:00:00.0000000', timeZone: 'UTC' } }, context('Alaskan Standard Time'))).toBe('2024-10-24');
    expect(due.fromGraph({ dueDateTime: { dateTime: '2024-10-23T10:00:00.0000000', timeZone: 'UTC' } }, context('Line Islands Standard Time'))).toBe('2024-10-24');
    expect(due.fromGraph({ dueDateTime: { dateTime: '2024-10-23T10:00:00.0000000', timeZone: 'UTC' } }, TOKYO)).toBe('2024-10-24');
  });

  test('a CRM due time keeps its date, not its time (documented loss)', () => {
    expect(due.fromCrm({ scheduledend: '2024-03-10T22:30:00Z' }, EASTERN)).toBe('2024-03-10');
    expect(due.fromCrm({ scheduledend: new Date('2024-03-10T22:30:00Z') }, TOKYO)).toBe('2024-03-11');
  });

  test('start date exists on todoTask in v1.0 and maps scheduledstart the same way', () => {
    const start = field(TASK_MAPPING, 'startDate');
    expect(start.graphProperties).toEqual(['startDateTime']);
    expect(start.fromGraph({ startDateTime: { dateTime: '2024-11-02T04:00:00.0000000', timeZone: 'UTC' } }, EASTERN)).toBe('2024-11-02');
    expect(start.toCrm('2024-11-03', EASTERN)).toEqual({ scheduledstart: '2024-11-03T04:00:00Z' }); // EDT until 02:00
    expect(start.toCrm('2024-11-04', EASTERN)).toEqual({ scheduledstart: '2024-11-04T05:00:00Z' }); // EST
  });
});

describe('status', () => {
  const status = field(TASK_MAPPING, 'status');

  test.each([
    [0, 2, 'notStarted'], [0, 3, 'inProgress'], [0, 4, 'waitingOnOthers'], [0, 7, 'deferred'],
    [1, 5, 'completed'], [2, 6, 'completed'],
  ])('statecode %i / statuscode %i reads as %s', (statecode, statuscode, word) => {
    expect(status.fromCrm({ statecode, statuscode }, UTC)).toBe(word);
  });

  test.each([
    ['notStarted', { statecode: 0, statuscode: 2, percentcomplete: 0 }],
    ['inProgress', { statecode: 0, statuscode: 3 }],
    ['waitingOnOthers', { statecode: 0, statuscode: 4 }],
    ['deferred', { statecode: 0, statuscode: 7 }],
    ['completed', { statecode: 1, statuscode: 5, percentcomplete: 100 }],
  ])('To Do %s is written to Dataverse as %j (state and reason together: SetState)', (word, columns) => {
    expect(status.fromGraph({ status: word }, UTC)).toBe(word);
    expect(status.toCrm(word, UTC)).toEqual(columns);
    expect(status.toGraph(word, UTC)).toEqual({ status: word });
  });

  test('a canceled task shows as completed in To Do and is not rewritten as completed: its canonical value already agrees', () => {
    const canceled = { statecode: 2, statuscode: 6 };
    const v = status.fromCrm(canceled, UTC);
    expect(status.toGraph(v, UTC)).toEqual({ status: 'completed' });
    expect(status.fromGraph({ status: 'completed' }, UTC)).toEqual(v); // equal → the merge writes nothing back
  });

  test('completing in To Do writes state, reason and Date Completed in one patch; reopening clears Date Completed', () => {
    const completedInTodo: GraphItem = { status: 'completed', completedDateTime: { dateTime: '2024-05-02T14:32:10.0000000', timeZone: 'UTC' } };
    const values = graphValuesOf(TASK_MAPPING, completedInTodo, TOKYO);
    expect(values).toMatchObject({ status: 'completed', dateCompleted: '2024-05-02' });
    const patch = crmRowOf(TASK_MAPPING, { status: values.status!, dateCompleted: values.dateCompleted! }, TOKYO);
    expect(patch).toEqual({ statecode: 1, statuscode: 5, percentcomplete: 100, actualend: '2024-05-01T15:00:00Z' });

    const reopened = graphValuesOf(TASK_MAPPING, { status: 'inProgress' }, TOKYO);
    expect(crmRowOf(TASK_MAPPING, { status: reopened.status!, dateCompleted: reopened.dateCompleted! }, TOKYO))
      .toEqual({ statecode: 0, statuscode: 3, actualend: null });
  });

  test("an open CRM task's actualend is not a completion date (To Do has none while open)", () => {
    const dateCompleted = field(TASK_MAPPING, 'dateCompleted');
    expect(dateCompleted.fromCrm({ statecode: 0, statuscode: 3, actualend: '2024-05-01T10:00:00Z' }, UTC)).toBeNull();
    expect(dateCompleted.fromCrm({ statecode: 1, statuscode: 5, actualend: '2024-05-01T10:00:00Z' }, UTC)).toBe('2024-05-01');
    expect(dateCompleted.fromCrm({ statecode: 2, statuscode: 6, actualend: '2024-05-01T10:00:00Z' }, UTC)).toBe('2024-05-01');
  });
});

describe('property: whole-task round trips are stable', () => {
  const task: fc.Arbitrary<Values> = fc.record({
    subject: arb.text(200),
    description: arb.plainText(2000),
    dueDate: arb.optionalDate(),
    startDate: arb.optionalDate(),
    priority: fc.constantFrom('low', 'normal', 'high'),
    status: fc.constantFrom(...TASK_STATUSES),
    completedOn: arb.date(),
  }).map(({ completedOn, ...v }) => ({ ...v, dateCompleted: v.status === 'completed' ? completedOn : null }));

  test('fromCrm(toCrm(v)) = v and fromGraph(toGraph(v)) = v, in every test zone', () => {
    fc.assert(fc.property(task, fc.constantFrom(...ZONES), (values, ctx) => {
      expect(crmValuesOf(TASK_MAPPING, crmRowOf(TASK_MAPPING, values, ctx), ctx)).toEqual(values);
      expect(graphValuesOf(TASK_MAPPING, graphItemOf(TASK_MAPPING, values, ctx), ctx)).toEqual(values);
    }), { numRuns: 1000 });
  });
});
