/**
 * CRM → Exchange through the whole sandbox: rows written in Dataverse (by a CRM user, through the Web API)
 * reach the owner's mailbox via the registered webhook steps, the Functions app, the queue and the worker.
 */
import { CRM_ID_PROPERTY_ID } from '../../shared/graph/graph-gateway';
import { eventually, stays } from '../support/eventually';
import { sandboxFixture } from '../support/sandbox-fixture';
import { ownerBind } from '../support/crm';

jest.setTimeout(120_000);
let f: Awaited<ReturnType<typeof sandboxFixture>>;

beforeAll(async () => {
  f = await sandboxFixture();
  await f.enable('adele');
  await f.enable('alex');
});
afterAll(() => f?.stop());


test('a CRM task owned by an enabled user appears once in their To Do list, with its mapped fields, and follows updates', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const id = await crm.create({ collection: 'tasks', data: { subject: 'Call Contoso about the renewal', description: 'Bring the Q3 figures', scheduledend: '2026-12-01T06:00:00Z', prioritycode: 2, ...ownerBind(adele.systemUserId) } }) as string;
  const task = await eventually(async () => {
    const matches = (await f.todoTasks('adele')).filter(f.linkedTo(id));
    expect(matches).toHaveLength(1);
    return matches[0]!;
  });
  expect(task.title).toBe('Call Contoso about the renewal');
  expect(task.importance).toBe('high');
  expect(task.status).toBe('notStarted');
  expect(task.body.content).toContain('Bring the Q3 figures');
  // 06:00 UTC is 15:00 in Tokyo: the due *date* is 1 December in the mailbox's zone. To Do stores it as
  // that day's local midnight and answers in UTC: 30 November 15:00 UTC.
  expect(task.dueDateTime.timeZone).toBe('UTC');
  const dueInstant = new Date(`${task.dueDateTime.dateTime.slice(0, 19)}Z`);
  expect(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(dueInstant)).toBe('2026-12-01');
  expect(dueInstant.toISOString()).toBe('2026-11-30T15:00:00.000Z');

  await crm.update({ collection: 'tasks', key: id, data: { subject: 'Call Contoso about the renewal (moved)', prioritycode: 0 } });
  await eventually(async () => {
    const [updated] = (await f.todoTasks('adele')).filter(f.linkedTo(id));
    expect(updated).toMatchObject({ title: 'Call Contoso about the renewal (moved)', importance: 'low' });
  });
  await stays(async () => expect((await f.todoTasks('adele')).filter(f.linkedTo(id))).toHaveLength(1), 1500);
});

test('a CRM contact and appointment appear in the owner\'s contacts and calendar', async () => {
  const alex = f.user('alex');
  const crm = f.people.crmAs(alex.systemUserId);
  const contactId = await crm.create({ collection: 'contacts', data: { firstname: 'Nestor', lastname: 'Wilke', telephone1: '+1 425 555 0109', emailaddress1: 'nestor@fabrikam.example', jobtitle: 'Buyer', ...ownerBind(alex.systemUserId) } }) as string;
  const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${contactId}')`;
  const contact = await eventually(async () => {
    const page = await f.people.graph.api(`/users/${alex.entraObjectId}/contacts`).filter(filter).get();
    expect(page.value).toHaveLength(1);
    return page.value[0];
  });
  expect(contact).toMatchObject({ givenName: 'Nestor', surname: 'Wilke', businessPhones: ['+1 425 555 0109'], jobTitle: 'Buyer' });
  expect(contact.emailAddresses[0].address).toBe('nestor@fabrikam.example');

  const appointmentId = await crm.create({ collection: 'appointments', data: {
    subject: 'Quarterly review', location: 'Room 12', scheduledstart: '2026-12-03T14:00:00Z', scheduledend: '2026-12-03T15:00:00Z', ...ownerBind(alex.systemUserId),
  } }) as string;
  const eventFilter = `singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${appointmentId}')`;
  const event = await eventually(async () => {
    const page = await f.people.graph.api(`/users/${alex.entraObjectId}/events`).filter(eventFilter).header('Prefer', 'outlook.timezone="UTC"').get();
    expect(page.value).toHaveLength(1);
    return page.value[0];
  });
  expect(event.subject).toBe('Quarterly review');
  expect(event.location.displayName).toBe('Room 12');
  expect(event.start.dateTime.slice(0, 16)).toBe('2026-12-03T14:00');
  expect(event.end.dateTime.slice(0, 16)).toBe('2026-12-03T15:00');
  expect(event.organizer.emailAddress.address.toLowerCase()).toBe(alex.userPrincipalName);
});

test('an owner change moves the item to the new owner\'s mailbox; a delete removes it', async () => {
  const adele = f.user('adele');
  const alex = f.user('alex');
  const crm = f.people.crmAs(adele.systemUserId);
  const id = await crm.create({ collection: 'tasks', data: { subject: 'Prepare the offer', ...ownerBind(adele.systemUserId) } }) as string;
  await eventually(async () => expect((await f.todoTasks('adele')).filter(f.linkedTo(id))).toHaveLength(1));
  await crm.update({ collection: 'tasks', key: id, data: ownerBind(alex.systemUserId) });
  await eventually(async () => {
    expect((await f.todoTasks('adele')).filter(f.linkedTo(id))).toHaveLength(0);
    expect((await f.todoTasks('alex')).filter(f.linkedTo(id))).toHaveLength(1);
  });
  await f.people.crmAs(alex.systemUserId).deleteRecord({ collection: 'tasks', key: id });
  await eventually(async () => expect((await f.todoTasks('alex')).filter(f.linkedTo(id))).toHaveLength(0));
});

test('rows of a user whose mailbox is not enabled never appear', async () => {
  const megan = f.user('megan');
  const adele = f.user('adele');
  const crm = f.people.crmAs(megan.systemUserId);
  const hidden = await crm.create({ collection: 'tasks', data: { subject: 'Not synced', ...ownerBind(megan.systemUserId) } }) as string;
  // A later row of an enabled user arriving proves the earlier delivery was processed.
  const marker = await f.people.crmAs(adele.systemUserId).create({ collection: 'tasks', data: { subject: 'Marker', ...ownerBind(adele.systemUserId) } }) as string;
  await eventually(async () => expect((await f.todoTasks('adele')).filter(f.linkedTo(marker))).toHaveLength(1));
  await stays(async () => expect((await f.todoTasks('megan')).filter(f.linkedTo(hidden))).toHaveLength(0), 1000);
});

test('deletes follow Dynamics\' rules: a future appointment leaves the calendar, a contact stays in Outlook unlinked', async () => {
  const alex = f.user('alex');
  const crm = f.people.crmAs(alex.systemUserId);
  const filterFor = (id: string) => `singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${id}')`;
  const find = async (collection: 'events' | 'contacts', id: string) => (await f.people.graph.api(`/users/${alex.entraObjectId}/${collection}`).filter(filterFor(id)).get()).value as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any

  const appointmentId = await crm.create({ collection: 'appointments', data: { subject: 'To be moved then cancelled', scheduledstart: '2027-04-01T08:00:00Z', scheduledend: '2027-04-01T09:00:00Z', ...ownerBind(alex.systemUserId) } }) as string;
  await eventually(async () => expect(await find('events', appointmentId)).toHaveLength(1));
  // A CRM update moves the event too.
  await crm.update({ collection: 'appointments', key: appointmentId, data: { scheduledstart: '2027-04-02T08:00:00Z', scheduledend: '2027-04-02T10:00:00Z' } });
  await eventually(async () => {
    const [event] = await f.people.graph.api(`/users/${alex.entraObjectId}/events`).filter(filterFor(appointmentId)).header('Prefer', 'outlook.timezone="UTC"').get().then((p: { value: Array<Record<string, any>> }) => p.value); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(event!.start.dateTime.slice(0, 16)).toBe('2027-04-02T08:00');
    expect(event!.end.dateTime.slice(0, 16)).toBe('2027-04-02T10:00');
  });
  await crm.deleteRecord({ collection: 'appointments', key: appointmentId });
  await eventually(async () => expect(await find('events', appointmentId)).toHaveLength(0));

  const contactId = await crm.create({ collection: 'contacts', data: { firstname: 'Kept', lastname: 'InOutlook', ...ownerBind(alex.systemUserId) } }) as string;
  await eventually(async () => expect(await find('contacts', contactId)).toHaveLength(1));
  await crm.deleteRecord({ collection: 'contacts', key: contactId });
  // Dynamics deletes a contact in Exchange only for a syncing user who is not its owner: the owner keeps it.
  await stays(async () => expect(await find('contacts', contactId)).toHaveLength(1), 2500);
});
