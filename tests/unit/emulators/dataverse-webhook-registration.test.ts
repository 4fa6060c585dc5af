import type { Row, TableDefinition } from '../../emulators/dataverse/context';
import { SDK_MESSAGES, sdkMessageFilterId } from '../../emulators/dataverse/registration-catalog';
import { RegistrationReader, targetColumnNames } from '../../emulators/dataverse/registration-reader';
import { WebhookTestContext } from '../../emulators/dataverse/webhook-test-context';
import { registerWebhooks, type WebhooksFeature } from '../../emulators/dataverse/webhooks';
import { defaultSeed } from '../../emulators/seed';

const contact: TableDefinition = {
  logicalName: 'contact', entitySetName: 'contacts', primaryIdAttribute: 'contactid', primaryNameAttribute: 'fullname', ownership: 'UserOwned',
  columns: {
    contactid: { type: 'uniqueidentifier' }, firstname: { type: 'string' }, lastname: { type: 'string' },
    telephone1: { type: 'string' }, ownerid: { type: 'owner', targets: ['systemuser', 'team'] },
    parentcustomerid: { type: 'customer', targets: ['account', 'contact'] },
  },
};

const fake = new WebhookTestContext(defaultSeed('https://127.0.0.1:7302'));
let feature: WebhooksFeature;
let endpointId: string;

beforeAll(async () => {
  fake.ctx.registerTable(contact);
  feature = registerWebhooks(fake.ctx);
  endpointId = await fake.create('serviceendpoint', { name: 'functions', contract: 8, url: 'https://127.0.0.1:1/api/dataverse', authtype: 4, authvalue: 'key' });
});
afterAll(() => feature.close());

function step(message: keyof typeof SDK_MESSAGES, over: Row = {}): Row {
  return {
    name: `functions: ${message} of contact`, mode: 1, stage: 40, rank: 1, supporteddeployment: 0, statecode: 0,
    eventhandler: endpointId, sdkmessageid: SDK_MESSAGES[message], sdkmessagefilterid: sdkMessageFilterId(message, 'contact'), ...over,
  };
}

async function rejection(write: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await write;
  } catch (error) {
    const e = error as { status: number; body: { error: { code: string; message: string } } };
    return { status: e.status, code: e.body.error.code, message: e.body.error.message };
  }
  throw new Error('the write was accepted');
}

describe('webhook registration tables of the Dataverse emulator', () => {
  test('the catalog has the documented sdkmessage ids and a filter per message for appointment, task and contact', () => {
    const messages = fake.ctx.rows('sdkmessage');
    expect(messages.find((m) => m.name === 'Create')?.sdkmessageid).toBe('9ebdbb1b-ea3e-db11-86a7-000a3a5473e8');
    expect(messages.find((m) => m.name === 'Update')?.sdkmessageid).toBe('20bebb1b-ea3e-db11-86a7-000a3a5473e8');
    expect(messages.find((m) => m.name === 'Delete')?.sdkmessageid).toBe('a1bdbb1b-ea3e-db11-86a7-000a3a5473e8');
    const filters = fake.ctx.rows('sdkmessagefilter');
    for (const table of ['appointment', 'task', 'contact']) {
      expect(filters.filter((f) => f.primaryobjecttypecode === table
        && JSON.stringify(f.sdkmessageid) === JSON.stringify({ id: SDK_MESSAGES.Update, logicalName: 'sdkmessage' }))).toHaveLength(1);
    }
    expect(fake.table('serviceendpoint').def.columns.authvalue?.writeOnly).toBe(true);
    expect(fake.table('sdkmessage').def.readOnly).toBe(true);
  });

  test('Update steps with filtering attributes fire only when the Target sets one of them', async () => {
    const stepId = await fake.create('sdkmessageprocessingstep', step('Update', { filteringattributes: 'firstname, LastName,ownerid' }));
    const reader = new RegistrationReader(fake.ctx);
    const update = (target: Row) => ({
      messageName: 'Update' as const, table: contact, id: 'c1', target, initiatingUserId: 'u', userId: 'u',
      correlationId: 'c', requestId: 'r', operationId: 'o', depth: 1, operationCreatedOn: new Date(),
    });
    expect(reader.stepsFor(update({ firstname: 'A' })).map((s) => s.id)).toEqual([stepId]);
    expect(reader.stepsFor(update({ lastname: 'B', telephone1: '1' }))).toHaveLength(1);
    expect(reader.stepsFor(update({ 'ownerid@odata.bind': '/systemusers(x)' }))).toHaveLength(1);
    expect(reader.stepsFor(update({ telephone1: '555' }))).toHaveLength(0);
    expect(reader.stepsFor({ ...update({ telephone1: '555' }), messageName: 'Create' })).toHaveLength(0);
    await fake.update('sdkmessageprocessingstep', stepId, { statecode: 1, statuscode: 2 });
    expect(reader.stepsFor(update({ firstname: 'A' }))).toHaveLength(0);
  });

  test('a state change also runs the steps registered on the deprecated SetStateDynamicEntity message', async () => {
    const stepId = await fake.create('sdkmessageprocessingstep', step('SetStateDynamicEntity'));
    const steps = new RegistrationReader(fake.ctx).stepsFor({
      messageName: 'SetState', table: contact, id: 'c1', target: { statecode: 1 }, initiatingUserId: 'u', userId: 'u',
      correlationId: 'c', requestId: 'r', operationId: 'o', depth: 1, operationCreatedOn: new Date(),
    });
    expect(steps.map((s) => [s.id, s.messageName])).toEqual([[stepId, 'SetStateDynamicEntity']]);
    await fake.delete('sdkmessageprocessingstep', stepId);
  });

  test('Target column names come from plain, _x_value and navigation-property bind keys', () => {
    expect(targetColumnNames(contact, {
      firstname: 'A', _ownerid_value: 'x', 'parentcustomerid_account@odata.bind': '/accounts(1)', 'x@OData.Community.Display.V1.FormattedValue': 'f',
    })).toEqual(['firstname', 'ownerid', 'parentcustomerid']);
  });

  test('image registrations are checked as the platform checks them, and a refused write is not stored', async () => {
    const create = await fake.create('sdkmessageprocessingstep', step('Create'));
    const update = await fake.create('sdkmessageprocessingstep', step('Update', { mode: 0, stage: 20 }));
    const image = (stepId: string, over: Row) => fake.create('sdkmessageprocessingstepimage', {
      name: 'image', entityalias: 'image', imagetype: 0, messagepropertyname: 'Target', attributes: '', sdkmessageprocessingstepid: stepId, ...over,
    });
    const before = fake.ctx.rows('sdkmessageprocessingstepimage').length;
    expect(await rejection(image(create, { imagetype: 0, messagepropertyname: 'Id' })))
      .toEqual({ status: 400, code: '0x8004416d', message: 'Message Create does not support this image type.' });
    expect(await rejection(image(create, { imagetype: 1, messagepropertyname: 'Target' })))
      .toEqual({ status: 400, code: '0x8004416b', message: "Message property name 'Target' is not valid on message Create." });
    expect(await rejection(image(update, { imagetype: 1 })))
      .toEqual({ status: 400, code: '0x8004416e', message: 'PreEvent step registration does not support Post Image.' });
    expect(fake.ctx.rows('sdkmessageprocessingstepimage')).toHaveLength(before);
    await image(create, { imagetype: 1, messagepropertyname: 'Id' });
    await image(update, { imagetype: 0 });
    expect(fake.ctx.rows('sdkmessageprocessingstepimage')).toHaveLength(before + 2);
  });

  test('steps and endpoints are checked: async only post-operation, filter of the same message, webhook auth', async () => {
    expect(await rejection(fake.create('sdkmessageprocessingstep', step('Update', { stage: 20 })))).toMatchObject({ code: '0x80040203' });
    expect(await rejection(fake.create('sdkmessageprocessingstep', step('Update', { sdkmessagefilterid: sdkMessageFilterId('Create', 'contact') }))))
      .toMatchObject({ code: '0x80040203', message: expect.stringContaining('does not belong') });
    expect(await rejection(fake.create('serviceendpoint', { name: 'h', contract: 8, url: 'https://r.example/x', authtype: 5, authvalue: 'secret' })))
      .toMatchObject({ code: '0x80040203', message: expect.stringContaining('<settings>') });
    expect(await rejection(fake.create('serviceendpoint', { name: 'h', contract: 8, url: 'not a url', authtype: 4, authvalue: 'k' })))
      .toMatchObject({ code: '0x80040203' });
    await fake.create('serviceendpoint', { name: 'h', contract: 8, url: 'https://r.example/x', authtype: 5, authvalue: '<settings><setting name="a" value="b"/></settings>' });
  });
});
