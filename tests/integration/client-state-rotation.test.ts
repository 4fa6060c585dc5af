/**
 * Rotating the clientState secrets of Graph subscriptions without losing a delivery (issue 8, security),
 * through the whole sandbox: Azurite, the emulators, and the app in the local Functions host, whose renewal
 * timer runs every 2 seconds here.
 * - automatic: a clientState older than SYNC_CLIENT_STATE_MAX_AGE_DAYS (30) is rotated by the renewal timer —
 *   a new subscription with a new clientState, the old one kept valid for the overlap. A change made in
 *   Outlook during the overlap is synced; notifications carrying the old clientState are accepted until the
 *   old subscription is deleted, and dropped after; Graph then has exactly one subscription per resource.
 * - on demand (admin API, CLI): every subscription replaced and the old ones deleted at once; the old
 *   clientStates are refused from then on, and changes keep flowing.
 */
import { loadConfig } from '../../shared/config';
import { CRM_ID_PROPERTY_ID } from '../../shared/graph/graph-gateway';
import { createRuntime, type Runtime } from '../../shared/runtime';
import type { StoredSubscription } from '../../shared/subscriptions/subscription-store';
import { main as mailboxCli } from '../../tools/mailbox-cli/cli';
import { SubscriptionControls } from '../emulators/graph/subscription-controls-client';
import { adminApi } from '../support/admin-api';
import { eventually, stays } from '../support/eventually';
import { sandboxFixture } from '../support/sandbox-fixture';

jest.setTimeout(180_000);
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let rt: Runtime;
let api: ReturnType<typeof adminApi>;
let graphControls: SubscriptionControls;

beforeAll(async () => {
  f = await sandboxFixture({ appSettings: { SYNC_SUBSCRIPTION_RENEWAL_SCHEDULE: '*/2 * * * * *' } });
  rt = createRuntime(loadConfig({ ...process.env, ...f.sandbox.appSettings }));
  api = adminApi(f.sandbox.manifest);
  graphControls = new SubscriptionControls(new URL(f.sandbox.manifest.urls.graph).origin);
  await rt.subscriptions.ensureForMailbox(await f.enable('adele'));
});
afterAll(() => f?.stop());

const adele = () => f.user('adele');

/** Our stored subscriptions of Adele's mailbox: the current one per record type, and replaced ones. */
async function stored(): Promise<{ current: Record<'appointment' | 'contact', StoredSubscription>; replaced: StoredSubscription[] }> {
  const all = (await rt.subscriptionStore.list()).filter((s) => s.mailboxUserId === adele().entraObjectId);
  const current = (type: string) => {
    const found = all.filter((s) => s.recordType === type && !s.retireAfter);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  return { current: { appointment: current('appointment'), contact: current('contact') }, replaced: all.filter((s) => s.retireAfter) };
}

/** Graph's own view (the emulator's subscription list): Adele's subscription ids per resource. */
async function graphSubscriptions(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const s of await graphControls.list()) {
    if (s.userId.toLowerCase() !== adele().entraObjectId.toLowerCase()) continue;
    (out[String(s.resource)] ??= []).push(s.id);
  }
  for (const ids of Object.values(out)) ids.sort();
  return out;
}

const EVENTS = () => `/users/${adele().entraObjectId}/events`;
const CONTACTS = () => `/users/${adele().entraObjectId}/contacts`;

async function linkedContact(firstname: string) {
  const u = adele();
  const crm = f.people.crmAs(u.systemUserId);
  const id = await crm.create({ collection: 'contacts', data: { firstname, lastname: 'Rotation', 'ownerid@odata.bind': `/systemusers(${u.systemUserId})` } }) as string;
  const contact = await eventually(async () => {
    const page = await f.people.graph.api(`/users/${u.entraObjectId}/contacts`).filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${id}')`).get();
    expect(page.value).toHaveLength(1);
    return page.value[0] as { id: string };
  });
  await new Promise((r) => setTimeout(r, 800));
  return {
    graphId: contact.id,
    outlook: (body: Record<string, unknown>) => f.people.graph.api(`/users/${u.entraObjectId}/contacts/${contact.id}`).patch(body),
    crmJobTitle: async () => (await crm.retrieve({ collection: 'contacts', key: id, select: ['jobtitle'] })).jobtitle as string | null,
  };
}

/** Posts what Graph would send for a change of `graphId` under subscription `s` (as a late or replayed delivery). */
async function postNotification(s: StoredSubscription, graphId: string): Promise<void> {
  const res = await fetch(`${f.sandbox.manifest.urls.functions}/notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ value: [{ subscriptionId: s.subscriptionId, clientState: s.clientStates[0], changeType: 'updated', resource: `Users/${adele().entraObjectId}/Contacts/${graphId}`, resourceData: { id: graphId, '@odata.type': '#Microsoft.Graph.Contact' } }] }),
  });
  expect(res.status).toBe(202);
}

/** The host's "graph notifications dropped" lines naming this subscription. */
function dropLines(subscriptionId: string): string[] {
  return f.sandbox.hostOutput.join('').split('\n').filter((l) => l.includes('graph notifications dropped') && l.includes(subscriptionId));
}

test('automatic rotation by the renewal timer: nothing lost during the overlap, the old clientState accepted until its subscription is deleted and dropped after', async () => {
  const c = await linkedContact('Overlap');
  const before = await stored();
  const old = before.current.contact;
  // Pretend the contacts subscription's clientState was issued 31 days ago (older than the default 30).
  await rt.subscriptionStore.save({ ...old, createdAt: new Date(Date.now() - 31 * 86_400_000).toISOString() });

  // The host's next renewal pass rotates it: a new subscription first, the old one kept for the overlap.
  const overlap = await eventually(async () => {
    const now = await stored();
    expect(now.current.contact.subscriptionId).not.toBe(old.subscriptionId);
    expect(now.replaced.map((s) => s.subscriptionId)).toEqual([old.subscriptionId]);
    return now;
  }, { timeoutMs: 20_000 });
  const fresh = overlap.current.contact;
  expect(fresh.clientStates[0]).not.toBe(old.clientStates[0]);
  expect(overlap.replaced[0]).toMatchObject({ replacedBy: fresh.subscriptionId, retireAfter: expect.any(String) });
  expect(overlap.current.appointment.subscriptionId).toBe(before.current.appointment.subscriptionId); // not due
  expect(await graphSubscriptions()).toEqual({ [EVENTS()]: [before.current.appointment.subscriptionId], [CONTACTS()]: [old.subscriptionId, fresh.subscriptionId].sort() });

  // During the overlap a change in Outlook is synced. Delivery through the new subscription is held back, so
  // the change can only arrive through the old one: its clientState is still accepted.
  await graphControls.pause(fresh.subscriptionId);
  await c.outlook({ jobTitle: 'Edited during the overlap' });
  await eventually(async () => expect(await c.crmJobTitle()).toBe('Edited during the overlap'));
  expect(dropLines(old.subscriptionId)).toEqual([]);
  await graphControls.resume(fresh.subscriptionId);

  // The overlap ends (as if 10 minutes had passed): the next pass deletes the old subscription, in Graph too.
  const replaced = (await rt.subscriptionStore.get(old.subscriptionId))!;
  await rt.subscriptionStore.save({ ...replaced, retireAfter: new Date(Date.now() - 1000).toISOString() });
  await eventually(async () => {
    expect(await graphSubscriptions()).toEqual({ [EVENTS()]: [before.current.appointment.subscriptionId], [CONTACTS()]: [fresh.subscriptionId] });
    expect((await stored()).replaced).toEqual([]);
  }, { timeoutMs: 20_000 });

  // From now on a notification carrying the old clientState (a late delivery, or someone who has the old
  // secret) is dropped, while the new subscription still brings every change.
  await graphControls.pause(fresh.subscriptionId);
  await c.outlook({ jobTitle: 'Edited after the rotation' });
  await postNotification(old, c.graphId);
  await eventually(() => expect(dropLines(old.subscriptionId).join('\n')).toContain('unknownSubscription'));
  await stays(async () => expect(await c.crmJobTitle()).toBe('Edited during the overlap'), 2000);
  await graphControls.resume(fresh.subscriptionId);
  await eventually(async () => expect(await c.crmJobTitle()).toBe('Edited after the rotation'));
  expect(await graphSubscriptions()).toEqual({ [EVENTS()]: [before.current.appointment.subscriptionId], [CONTACTS()]: [fresh.subscriptionId] });
});

test('on demand through the admin API: every subscription replaced, the old clientStates refused at once, changes keep flowing', async () => {
  const c = await linkedContact('OnDemand');
  const before = await stored();

  const res = await api.call<{ complete: boolean; rotated: Array<{ recordType: string; previousSubscriptionId: string; subscriptionId: string; previousRemoved: boolean }> }>('POST', `/mailboxes/${adele().systemUserId}/rotate-client-state`);
  expect(res.status).toBe(200);
  expect(res.body.complete).toBe(true);
  expect(res.body.rotated.map((r) => [r.recordType, r.previousRemoved]).sort()).toEqual([['appointment', true], ['contact', true]]);

  const after = await stored();
  expect(after.replaced).toEqual([]);
  for (const type of ['appointment', 'contact'] as const) {
    expect(after.current[type].subscriptionId).not.toBe(before.current[type].subscriptionId);
    expect(after.current[type].clientStates[0]).not.toBe(before.current[type].clientStates[0]);
  }
  // Exactly one subscription per resource, the new ones.
  expect(await graphSubscriptions()).toEqual({ [EVENTS()]: [after.current.appointment.subscriptionId], [CONTACTS()]: [after.current.contact.subscriptionId] });

  // The old secrets are refused by the endpoint right away.
  await postNotification(before.current.contact, c.graphId);
  await eventually(() => expect(dropLines(before.current.contact.subscriptionId).join('\n')).toContain('unknownSubscription'));

  await c.outlook({ jobTitle: 'Edited after an on-demand rotation' });
  await eventually(async () => expect(await c.crmJobTitle()).toBe('Edited after an on-demand rotation'));

  // The action is the admin API's: no token, no rotation.
  expect((await api.call('POST', `/mailboxes/${adele().systemUserId}/rotate-client-state`, { authorization: null })).status).toBe(401);
  expect((await stored()).current.contact.subscriptionId).toBe(after.current.contact.subscriptionId);
});

test('npm run mailbox -- rotate-client-state --all rotates every enabled mailbox', async () => {
  const before = await stored();
  const out: string[] = [];
  const err: string[] = [];
  const code = await mailboxCli(['rotate-client-state', '--all', '--url', f.sandbox.manifest.urls.functions, '--token', await api.adminToken()], {}, {
    out: { write: (t: string) => out.push(t) }, err: { write: (t: string) => err.push(t) },
  });
  expect({ code, err: err.join('') }).toEqual({ code: 0, err: '' });
  expect(out.join('')).toMatch(/Rotating the clientStates of 1 enabled mailbox\(es\)\.\n.*: new clientState for appointment, contact; the old subscription\(s\) deleted, old clientStates no longer accepted\n/);
  const after = await stored();
  expect(after.current.contact.subscriptionId).not.toBe(before.current.contact.subscriptionId);
  expect(await graphSubscriptions()).toEqual({ [EVENTS()]: [after.current.appointment.subscriptionId], [CONTACTS()]: [after.current.contact.subscriptionId] });
});
