/**
 * Appointments and their activity parties (activityparty-entity.md): deep insert through
 * appointment_activity_parties with partyid_systemuser / partyid_contact binds or addressused and
 * participationtypemask 5/6/7, `$expand` of the parties, replacement on update, and the party-list columns
 * (requiredattendees, optionalattendees, organizer) plug-ins see.
 */
import type { DataverseOperation } from '../../emulators/dataverse/context';
import { startDataverseSandbox, type DataverseSandbox } from '../../emulators/dataverse/harness';

let sandbox: DataverseSandbox;
beforeAll(async () => { sandbox = await startDataverseSandbox(); });
afterAll(() => sandbox.close());

const adele = () => sandbox.seed.users[0]!;
const alex = () => sandbox.seed.users[1]!;
type Party = { participationtypemask: number; _partyid_value: string | null; addressused: string | null };

test('no appointments are seeded; an appointment is created with its parties and reads back with $expand', async () => {
  expect(sandbox.dataverse.context.rows('appointment')).toEqual([]);
  const contact = sandbox.dataverse.context.rows('contact')[0]!;
  const operations: DataverseOperation[] = [];
  const stop = sandbox.dataverse.context.onOperation((op) => operations.push(op));
  const res = await sandbox.call('appointments', {
    method: 'POST', client: sandbox.seed.clients.people, headers: { CallerObjectId: adele().entraObjectId },
    body: {
      subject: 'Quarterly business review', location: 'Fourth Coffee HQ', description: 'Agenda: usage, renewals.',
      scheduledstart: '2030-03-04T01:00:00Z', scheduledend: '2030-03-04T02:00:00Z', scheduleddurationminutes: 60,
      appointment_activity_parties: [
        { participationtypemask: 7, 'partyid_systemuser@odata.bind': `/systemusers(${adele().systemUserId})` },
        { participationtypemask: 5, 'partyid_contact@odata.bind': `/contacts(${contact.contactid as string})` },
        { participationtypemask: 5, 'partyid_systemuser@odata.bind': `/systemusers(${alex().systemUserId})` },
        { participationtypemask: 6, addressused: 'guest@external.example' },
      ],
    },
  });
  stop();
  expect(res.status).toBe(204);
  const id = /\(([^)]+)\)$/.exec(res.headers.get('odata-entityid')!)![1]!;
  const read = await (await sandbox.call(`appointments(${id})?$select=subject,location,statecode&$expand=appointment_activity_parties($select=participationtypemask,_partyid_value,addressused)`)).json() as
    { subject: string; appointment_activity_parties: Party[] };
  expect(read.subject).toBe('Quarterly business review');
  const byMask = (m: number) => read.appointment_activity_parties.filter((p) => p.participationtypemask === m);
  expect(byMask(7).map((p) => p._partyid_value)).toEqual([adele().systemUserId]);
  expect(byMask(5).map((p) => p._partyid_value).sort()).toEqual([contact.contactid as string, alex().systemUserId].sort());
  expect(byMask(6)).toEqual([expect.objectContaining({ _partyid_value: null, addressused: 'guest@external.example' })]);
  // The platform-kept owner party.
  expect(byMask(9).map((p) => p._partyid_value)).toEqual([adele().systemUserId]);

  const [create] = operations;
  expect(create!.after!.organizer).toEqual([expect.objectContaining({ partyid: { id: adele().systemUserId, logicalName: 'systemuser' }, participationtypemask: 7 })]);
  expect((create!.after!.requiredattendees as unknown[]).length).toBe(2);
  expect(create!.after!.optionalattendees).toEqual([expect.objectContaining({ partyid: null, addressused: 'guest@external.example', participationtypemask: 6 })]);
});

test('PATCH with appointment_activity_parties replaces the attendees; other columns leave them alone', async () => {
  const created = await sandbox.call('appointments?$select=activityid', {
    method: 'POST', headers: { Prefer: 'return=representation' },
    body: { subject: 'Standup', appointment_activity_parties: [{ participationtypemask: 5, 'partyid_systemuser@odata.bind': `/systemusers(${alex().systemUserId})` }] },
  });
  const id = (await created.json() as { activityid: string }).activityid;
  const operations: DataverseOperation[] = [];
  const stop = sandbox.dataverse.context.onOperation((op) => operations.push(op));
  await sandbox.call(`appointments(${id})`, { method: 'PATCH', body: { appointment_activity_parties: [{ participationtypemask: 6, addressused: 'someone@example.com' }] } });
  await sandbox.call(`appointments(${id})`, { method: 'PATCH', body: { location: 'Room 2' } });
  stop();
  const stored = sandbox.dataverse.context.rows('appointment').find((a) => a.activityid === id)!;
  expect(stored.requiredattendees).toEqual([]);
  expect(stored.optionalattendees).toEqual([expect.objectContaining({ addressused: 'someone@example.com' })]);
  expect(operations[0]!.target).toHaveProperty('optionalattendees');
  expect(operations[1]!.target).not.toHaveProperty('optionalattendees');
});

test('invalid parties are refused: unknown mask, organizer that is not a user, no party at all, unknown bind target', async () => {
  const contact = sandbox.dataverse.context.rows('contact')[0]!;
  const post = (party: Record<string, unknown>) => sandbox.call('appointments', { method: 'POST', body: { subject: 'Bad party', appointment_activity_parties: [party] } });
  expect((await post({ participationtypemask: 1, addressused: 'a@b.example' })).status).toBe(400);
  expect((await post({ participationtypemask: 7, 'partyid_contact@odata.bind': `/contacts(${contact.contactid as string})` })).status).toBe(400);
  expect((await post({ participationtypemask: 5 })).status).toBe(400);
  expect((await post({ participationtypemask: 5, 'partyid_systemuser@odata.bind': '/systemusers(00000000-0000-0000-0000-0000000000ff)' })).status).toBe(404);
  expect((await post({ participationtypemask: 5, partyid: adele().systemUserId })).status).toBe(400);
  expect(sandbox.dataverse.context.rows('appointment').some((a) => a.subject === 'Bad party')).toBe(false);
  // Party lists are not Web API properties.
  expect((await sandbox.call('appointments', { method: 'POST', body: { subject: 'x', requiredattendees: [] } })).status).toBe(400);
});

test('deleting an appointment deletes its parties', async () => {
  const res = await sandbox.call('appointments', {
    method: 'POST', body: { subject: 'Short lived', appointment_activity_parties: [{ participationtypemask: 5, addressused: 'x@y.example' }] },
  });
  const id = /\(([^)]+)\)$/.exec(res.headers.get('odata-entityid')!)![1]!;
  const partiesOf = () => sandbox.dataverse.context.rows('activityparty').filter((p) => (p.activityid as { id: string }).id === id);
  expect(partiesOf().length).toBe(2); // the attendee and the owner party
  await sandbox.call(`appointments(${id})`, { method: 'DELETE' });
  expect(partiesOf()).toEqual([]);
});
