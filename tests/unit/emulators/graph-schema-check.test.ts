import fs from 'node:fs';
import path from 'node:path';
import { collectionViolations, schemaViolations } from '../../emulators/graph/schema-check';

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../../emulators/graph/fixtures', name), 'utf8'));

test('the documented resources conform to the schema', () => {
  expect(schemaViolations('event', fixture('event.json'))).toEqual([]);
  expect(schemaViolations('contact', fixture('contact.json'))).toEqual([]);
  expect(schemaViolations('todoTask', fixture('todo-task.json'))).toEqual([]);
  expect(schemaViolations('todoTaskList', fixture('todo-task-list.json'))).toEqual([]);
  expect(collectionViolations('event', fixture('events-delta-final.json'))).toEqual([]);
  expect(collectionViolations('todoTask', fixture('todo-tasks-delta.json'))).toEqual([]);
});

test('properties the documented samples carry beyond the v1.0 schema are caught', () => {
  // The doc's stray "OnlineMeeting": null in the recurring-series sample.
  expect(schemaViolations('event', fixture('event-recurring-series-master.json'))).toEqual(['event.OnlineMeeting: no such property on microsoft.graph.event']);
  // The real subscription response carries notificationContentType, which the v1.0 metadata lacks.
  expect(schemaViolations('subscription', fixture('subscription-create-response.json'))).toEqual(['subscription.notificationContentType: no such property on microsoft.graph.subscription']);
});

test('unknown properties, wrong JSON types and enum values outside the type are reported with their path', () => {
  const problems = schemaViolations('event', {
    id: 'x', subject: 5, isAllDay: 'yes', importance: 'urgent', crmId: '1',
    start: { dateTime: '2024-01-01T00:00:00', timeZone: 'UTC', offset: 1 },
    attendees: [{ type: 'required', emailAddress: { address: 'a@b.c', display: 'A' } }],
    createdDateTime: '2024-01-01 10:00',
    reminderMinutesBeforeStart: 1.5,
    singleValueExtendedProperties: [{ id: 'String {x} Name y', value: 1 }],
  });
  expect(problems).toEqual(expect.arrayContaining([
    'event.subject: expected a string for Edm.String, got 5',
    'event.isAllDay: expected a boolean for Edm.Boolean, got "yes"',
    expect.stringContaining('event.importance: "urgent" is not a member of microsoft.graph.importance'),
    'event.crmId: no such property on microsoft.graph.event',
    'event.start.offset: no such property on microsoft.graph.dateTimeTimeZone',
    'event.attendees[0].emailAddress.display: no such property on microsoft.graph.emailAddress',
    expect.stringContaining('event.createdDateTime: expected an ISO 8601 date-time'),
    'event.reminderMinutesBeforeStart: expected an integer for Edm.Int32, got 1.5',
    'event.singleValueExtendedProperties[0].value: expected a string for Edm.String, got 1',
  ]));
  expect(problems).toHaveLength(9);
});

test('annotations and non-nullable nulls', () => {
  expect(schemaViolations('todoTask', { '@odata.etag': 'W/"x"', 'linkedResources@odata.context': 'x', id: 'a' })).toEqual([]);
  expect(schemaViolations('todoTask', { status: null })).toEqual(['todoTask.status: null is not allowed (microsoft.graph.taskStatus is not nullable)']);
});
