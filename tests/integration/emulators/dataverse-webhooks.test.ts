/**
 * Webhooks end to end on the real Dataverse emulator: registered through the Web API as a registration script
 * does (catalog look-ups, serviceendpoint, steps and images with @odata.bind), triggered by Web API writes of
 * dynamics-web-api, delivered to a local HTTPS receiver standing for our Functions app.
 */
import { DynamicsWebApi } from 'dynamics-web-api';
import { acceptDataverseDelivery, WEBHOOK_SECRET_HEADER } from '../../../shared/webhooks/dataverse-webhook';
import { ensureSandboxCertificate } from '../../emulators/common/tls';
import { startDataverseSandbox, type DataverseSandbox } from '../../emulators/dataverse/harness';
import { WebhookTestReceiver, type ReceivedWebhook } from '../../emulators/dataverse/webhook-test-receiver';
import { WebhookRegistrar } from '../../emulators/dataverse/webhook-test-registration';
import { fixture } from '../../support/fixtures';

const newer = fixture('dataverse/webhook-update-msdyn_agentstatus-newer-shape.json');
const older = fixture('dataverse/webhook-update-contact-async-postoperation.json');
const CONTRACTS = 'http://schemas.microsoft.com/xrm/2011/Contracts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sandbox: DataverseSandbox;
let api: DynamicsWebApi;
let hooks: WebhookRegistrar;
const receiver = new WebhookTestReceiver(ensureSandboxCertificate());

beforeAll(async () => {
  sandbox = await startDataverseSandbox();
  api = sandbox.webApi(sandbox.seed.clients.sync);
  hooks = new WebhookRegistrar(sandbox, () => receiver.url);
  await receiver.listen();
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});
beforeEach(async () => {
  await hooks.reset();
  receiver.clear();
});
afterEach(() => hooks.cleanup());

const endpoint = (over: Json = {}) => hooks.endpoint(over);
const step = (e: string, message: string, table: string, over: Json = {}) => hooks.step(e, message, table, over);
const image = (s: string, alias: string, type: number, attributes: string) => hooks.image(s, alias, type, attributes);
const get = (path: string) => hooks.get(path);
const drain = () => hooks.drain();

function body(r: ReceivedWebhook): Json { return r.body as Json; }

describe('Dataverse emulator webhooks (registered and triggered through the Web API)', () => {
  test('async post-operation Create/Update/Delete steps on task, appointment and contact deliver documented-shape bodies', async () => {
    const e = await endpoint();
    for (const table of ['task', 'appointment', 'contact']) {
      await step(e, 'Create', table);
      const update = await step(e, 'Update', table);
      await image(update, 'PreImage', 0, table === 'contact' ? 'firstname,lastname' : 'subject,scheduledend');
      await image(update, 'PostImage', 1, '');
      await image(await step(e, 'Delete', table), 'Deleted', 0, '');
    }
    const taskId = await api.create({ collection: 'tasks', data: { subject: 'Call back', prioritycode: 2, scheduledend: '2026-12-01T09:00:00Z' } }) as string;
    await api.update({ collection: 'tasks', key: taskId, data: { subject: 'Call back today' } });
    await api.deleteRecord({ collection: 'tasks', key: taskId });
    const apptId = await api.create({ collection: 'appointments', data: { subject: 'Review', scheduledstart: '2026-12-02T09:00:00Z', scheduledend: '2026-12-02T10:00:00Z' } }) as string;
    const contactId = await api.create({ collection: 'contacts', data: { firstname: 'James', lastname: 'Glynn' } }) as string;
    await api.update({ collection: 'contacts', key: contactId, data: { firstname: 'Jim' } });
    expect(await drain()).toEqual({ idle: true, pending: 0 });
    const received = await receiver.waitFor(6);
    expect(received).toHaveLength(6);
    const syncUser = sandbox.seed.clients.sync.dataverseApplicationUserId;
    for (const r of received) {
      expect(r.query.get('code')).toBe('function-key');
      expect(r.headers['x-ms-dynamics-organization']).toBe('127.0.0.1');
      expect(r.headers['x-ms-dynamics-entity-name']).toBe(body(r).PrimaryEntityName);
      expect(r.headers['x-ms-dynamics-request-name']).toBe(body(r).MessageName);
      expect(r.headers['x-ms-correlation-request-id']).toBe(body(r).CorrelationId);
      expect(Object.keys(body(r))).toEqual(Object.keys(newer));
      expect(Object.keys(body(r).ParentContext)).toEqual(Object.keys(newer.ParentContext));
      expect(Object.keys(body(r).OwningExtension).sort()).toEqual(Object.keys(older.OwningExtension).sort());
      expect(body(r)).toMatchObject({ Mode: 1, Stage: 40, InitiatingUserId: syncUser, UserId: syncUser, OrganizationId: sandbox.dataverse.context.organizationId });
      // Our own Functions endpoint accepts it.
      expect(acceptDataverseDelivery({ headers: { get: (n) => (r.headers[n.toLowerCase()] as string | undefined) ?? null }, body: Buffer.from(r.raw) }, [], 'c'))
        .toMatchObject({ kind: 'crmChange', crmId: body(r).PrimaryEntityId, message: body(r).MessageName });
    }
    const find = (m: string, entity: string): Json => body(received.find((r) => body(r).MessageName === m && body(r).PrimaryEntityName === entity)!);
    const createdTask = find('Create', 'task');
    expect(createdTask.OutputParameters).toEqual([{ key: 'id', value: taskId }]);
    const target = createdTask.InputParameters[0].value as Json;
    expect(target.__type).toBe(newer.InputParameters[0].value.__type);
    expect(Object.keys(target).sort()).toEqual(Object.keys(newer.InputParameters[0].value).sort());
    const attrs = Object.fromEntries((target.Attributes as Json[]).map((a) => [a.key, a.value]));
    expect(attrs.prioritycode).toEqual({ __type: `OptionSetValue:${CONTRACTS}`, Value: 2 });
    expect(attrs.scheduledend).toBe(`/Date(${Date.parse('2026-12-01T09:00:00Z')})/`);
    expect(attrs.ownerid).toEqual({ __type: `EntityReference:${CONTRACTS}`, Id: syncUser, KeyAttributes: [], LogicalName: 'systemuser', Name: null, RowVersion: null });
    const updatedTask = find('Update', 'task');
    expect(updatedTask.PreEntityImages).toEqual([{ key: 'PreImage', value: expect.objectContaining({ Attributes: [{ key: 'subject', value: 'Call back' }, { key: 'scheduledend', value: attrs.scheduledend }] }) }]);
    expect((updatedTask.PostEntityImages as Json[]).map((i) => i.key)).toEqual(['PostImage', 'AsynchronousStepPrimaryName']);
    expect(updatedTask.InputParameters[0].value.Attributes).toEqual(expect.arrayContaining([{ key: 'subject', value: 'Call back today' }]));
    expect(find('Delete', 'task').InputParameters).toEqual([{ key: 'Target', value: expect.objectContaining({ __type: `EntityReference:${CONTRACTS}`, Id: taskId, LogicalName: 'task' }) }]);
    expect(find('Create', 'appointment').PrimaryEntityId).toBe(apptId);
    const updatedContact = find('Update', 'contact');
    // fullname is recomputed by the platform, so it is part of the Update's Target (as in the documented sample).
    expect((updatedContact.InputParameters[0].value.Attributes as Json[]).map((a) => a.key)).toEqual(expect.arrayContaining(['firstname', 'contactid', 'fullname', 'modifiedon', 'modifiedby']));
    expect(updatedContact.PostEntityImages[1].value.Attributes).toEqual([{ key: 'fullname', value: 'Jim Glynn' }, { key: 'contactid', value: contactId }]);
  });

  test('the registration reads back like the real tables: authvalue is never returned, steps are queryable', async () => {
    const e = await endpoint();
    const s = await step(e, 'Update', 'contact', { filteringattributes: 'firstname,lastname' });
    const listed = await get('serviceendpoints?$filter=contract eq 8&$select=serviceendpointid,name,authtype,url,authvalue');
    expect(listed.value).toEqual([expect.objectContaining({ serviceendpointid: e, authtype: 4, url: `${receiver.url}/api/dataverse-webhook`, authvalue: null })]);
    expect((await get(`serviceendpoints(${e})`)).authvalue).toBeNull();
    expect(await get(`sdkmessageprocessingsteps(${s})?$select=name,filteringattributes,mode,stage,_eventhandler_value`)).toMatchObject({
      name: 'crm-exchange-sync: Update of contact', filteringattributes: 'firstname,lastname', mode: 1, stage: 40, _eventhandler_value: e,
    });
    // The step query of register-web-hook.md ("Query steps registered for a WebHook").
    expect(await get(`sdkmessageprocessingsteps(${s})?$select=name,description,filteringattributes,asyncautodelete,mode,stage&$expand=eventhandler_serviceendpoint($select=name),sdkmessagefilterid($select=primaryobjecttypecode),sdkmessageid($select=name)`)).toMatchObject({
      eventhandler_serviceendpoint: { name: 'crm-exchange-sync functions' }, sdkmessagefilterid: { primaryobjecttypecode: 'contact' }, sdkmessageid: { name: 'Update' },
    });
    expect((await get(`serviceendpoints(${e})?$select=name&$expand=serviceendpoint_sdkmessageprocessingstep($select=name)`)).serviceendpoint_sdkmessageprocessingstep)
      .toEqual([expect.objectContaining({ sdkmessageprocessingstepid: s })]);
    const refused = await sandbox.call('sdkmessages', { method: 'POST', body: { name: 'MyMessage' } });
    expect(refused.status).toBe(403);
    // A post-image on a pre-operation step is refused as the platform refuses it, and not stored.
    const pre = await step(e, 'Update', 'task', { mode: 0, stage: 20 });
    const badImage = await sandbox.call('sdkmessageprocessingstepimages', {
      method: 'POST', body: { name: 'p', entityalias: 'p', imagetype: 1, messagepropertyname: 'Target', 'sdkmessageprocessingstepid@odata.bind': `/sdkmessageprocessingsteps(${pre})` },
    });
    expect(badImage.status).toBe(400);
    expect(await badImage.json()).toMatchObject({ error: { code: '0x8004416e', message: 'PreEvent step registration does not support Post Image.' } });
    expect((await get(`sdkmessageprocessingstepimages?$filter=_sdkmessageprocessingstepid_value eq ${pre}`)).value).toEqual([]);
  });

  test('filtering attributes: an Update fires only when it sets one of them', async () => {
    await step(await endpoint(), 'Update', 'task', { filteringattributes: 'subject,scheduledend' });
    const id = await api.create({ collection: 'tasks', data: { subject: 'A' } }) as string;
    await api.update({ collection: 'tasks', key: id, data: { description: 'notes only' } });
    await drain();
    expect(receiver.received).toHaveLength(0);
    await api.update({ collection: 'tasks', key: id, data: { subject: 'B' } });
    await drain();
    expect(receiver.received.map((r) => body(r).MessageName)).toEqual(['Update']);
  });

  test('impersonation: InitiatingUserId is the calling application user, UserId the impersonated user', async () => {
    await step(await endpoint(), 'Create', 'task');
    const adele = sandbox.seed.users[0]!;
    const people = sandbox.seed.clients.people;
    await sandbox.webApi(people, { impersonateAAD: adele.entraObjectId }).create({ collection: 'tasks', data: { subject: 'From Outlook' } });
    await drain();
    const [r] = await receiver.waitFor(1);
    expect(body(r!)).toMatchObject({
      InitiatingUserId: people.dataverseApplicationUserId, UserId: adele.systemUserId, UserAzureActiveDirectoryObjectId: adele.entraObjectId,
    });
    expect(body(r!).InitiatingUserAzureActiveDirectoryObjectId).not.toBe(adele.entraObjectId);
  });

  test('a 300 KB appointment description: images, parameters and ParentContext dropped, x-ms-dynamics-msg-size-exceeded set', async () => {
    const s = await step(await endpoint(), 'Update', 'appointment');
    await image(s, 'PostImage', 1, '');
    const id = await api.create({ collection: 'appointments', data: { subject: 'Big', scheduledstart: '2026-12-03T09:00:00Z', scheduledend: '2026-12-03T10:00:00Z' } }) as string;
    await api.update({ collection: 'appointments', key: id, data: { description: 'x'.repeat(300 * 1024) } });
    await drain();
    const [r] = await receiver.waitFor(1);
    expect(r!.headers['x-ms-dynamics-msg-size-exceeded']).toBe('true');
    for (const member of ['ParentContext', 'InputParameters', 'PreEntityImages', 'PostEntityImages']) expect(body(r!)).not.toHaveProperty(member);
    expect(body(r!)).toMatchObject({ PrimaryEntityId: id, PrimaryEntityName: 'appointment', MessageName: 'Update' });
    const change = acceptDataverseDelivery({ headers: { get: (n) => (r!.headers[n.toLowerCase()] as string | undefined) ?? null }, body: Buffer.from(r!.raw) }, [], 'c');
    expect(change).toMatchObject({ crmId: id, sizeExceeded: true });
  });

  test('HttpQueryString authentication sends its settings as query parameters', async () => {
    await step(await endpoint({ authtype: 6, authvalue: '<settings><setting name="key" value="a&amp;b" /><setting name="tenant" value="contoso" /></settings>' }), 'Create', 'task');
    await api.create({ collection: 'tasks', data: { subject: 'Query auth' } });
    await drain();
    const [r] = await receiver.waitFor(1);
    expect([...r!.query]).toEqual([['key', 'a&b'], ['tenant', 'contoso']]);
  });

  test('HttpHeader authentication sends the header our Functions endpoint checks', async () => {
    const authvalue = `<settings><setting name="${WEBHOOK_SECRET_HEADER}" value="rotating-secret-1" /></settings>`;
    await step(await endpoint({ authtype: 5, authvalue }), 'Create', 'contact');
    await api.create({ collection: 'contacts', data: { firstname: 'Header', lastname: 'Auth' } });
    await drain();
    const [r] = await receiver.waitFor(1);
    expect(r!.headers[WEBHOOK_SECRET_HEADER]).toBe('rotating-secret-1');
    expect(r!.query.get('code')).toBeNull();
    const headers = { get: (n: string) => (r!.headers[n.toLowerCase()] as string | undefined) ?? null };
    expect(acceptDataverseDelivery({ headers, body: Buffer.from(r!.raw) }, ['rotating-secret-1'], 'c')).toMatchObject({ recordType: 'contact' });
    expect(() => acceptDataverseDelivery({ headers, body: Buffer.from(r!.raw) }, ['another-secret'], 'c')).toThrow(/x-sync-webhook-secret/);
  });
});
