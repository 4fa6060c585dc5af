import { entityToRow, parseDataContractDate } from '../../shared/dataverse/data-contract';
import { parseRemoteExecutionContext, toCrmChange } from '../../shared/dataverse/remote-execution-context';
import { BadRequestError } from '../../shared/errors';
import { workItemSchema } from '../../shared/sync/work-item';
import { fixture } from '../support/fixtures';

const contactUpdate = fixture('dataverse/webhook-update-contact-async-postoperation.json');

describe('Dataverse RemoteExecutionContext', () => {
  test('the documented contact Update body becomes a small, valid work item', () => {
    const change = toCrmChange(parseRemoteExecutionContext(contactUpdate), { sizeExceeded: false, correlationId: 'c-1', now: new Date('2026-11-25T10:00:00Z') });
    expect(change).toMatchObject({
      kind: 'crmChange', recordType: 'contact', crmId: '6d81597f-0f9f-e711-8122-000d3aa2331c', message: 'Update',
      initiatingUserId: '75c2dd85-e89e-e711-8122-000d3aa2331c', userId: '75c2dd85-e89e-e711-8122-000d3aa2331c',
      dataverseCorrelationId: 'b374239d-4233-41a9-8b17-a86cb4f737b5', correlationId: 'c-1', receivedAt: '2026-11-25T10:00:00.000Z',
      modifiedOn: '2017-09-26T00:04:07.000Z',
    });
    expect(workItemSchema.parse(change)).toEqual(change);
  });

  test('the newer shape parses; a table we do not sync is refused with a precise 400', () => {
    const body = fixture('dataverse/webhook-create-msdyn_agentstatus-sync-newer-shape.json');
    const context = parseRemoteExecutionContext(body);
    expect(context.MessageName).toBe('Create');
    let error: unknown;
    try { toCrmChange(context, { sizeExceeded: false }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'UnsupportedTable' });
    expect((error as Error).message).toContain("'msdyn_agentstatus'");
  });

  test('a body missing what we depend on is refused naming the field', () => {
    const { PrimaryEntityId: _omit, ...rest } = contactUpdate;
    expect(() => parseRemoteExecutionContext(rest)).toThrow(/PrimaryEntityId/);
    expect(() => parseRemoteExecutionContext({ ...contactUpdate, UserId: 'nope' })).toThrow(/UserId: must be a GUID/);
    expect(() => parseRemoteExecutionContext('hello')).toThrow(BadRequestError);
  });

  test('DataContract values become Web API values', () => {
    expect(parseDataContractDate('/Date(1506409448000-0700)/')).toBe('2017-09-26T07:04:08.000Z');
    expect(parseDataContractDate('not a date')).toBeUndefined();
    const row = entityToRow({
      Id: '1', LogicalName: 'task',
      Attributes: [
        { key: 'ownerid', value: { __type: 'EntityReference:http://schemas.microsoft.com/xrm/2011/Contracts', Id: 'AB5E8E1B-0000-0000-0000-000000000001', LogicalName: 'systemuser', Name: 'Adele Vance' } },
        { key: 'prioritycode', value: { __type: 'OptionSetValue:http://schemas.microsoft.com/xrm/2011/Contracts', Value: 2 } },
        { key: 'scheduledend', value: '/Date(1767225600000)/' },
        { key: 'subject', value: 'Call back' },
        { key: 'percentcomplete', value: 50 },
      ],
      FormattedValues: [{ key: 'prioritycode', value: 'High' }],
    });
    expect(row).toEqual({
      _ownerid_value: 'ab5e8e1b-0000-0000-0000-000000000001',
      '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
      '_ownerid_value@OData.Community.Display.V1.FormattedValue': 'Adele Vance',
      prioritycode: 2,
      'prioritycode@OData.Community.Display.V1.FormattedValue': 'High',
      scheduledend: '2026-01-01T00:00:00.000Z',
      subject: 'Call back',
      percentcomplete: 50,
    });
  });

  test('post image, pre-image owner and version travel in the work item; an oversize image is left out', () => {
    const image = (attrs: Array<{ key: string; value: unknown }>) => [{ key: 'image', value: { Id: '6d81597f-0f9f-e711-8122-000d3aa2331c', LogicalName: 'contact', Attributes: attrs } }];
    const owner = (id: string) => ({ __type: 'EntityReference:http://schemas.microsoft.com/xrm/2011/Contracts', Id: id, LogicalName: 'systemuser' });
    const body = {
      ...contactUpdate,
      PreEntityImages: image([{ key: 'ownerid', value: owner('0a1b2c3d-0001-4e5f-8a9b-000000000001') }]),
      PostEntityImages: image([{ key: 'ownerid', value: owner('0a1b2c3d-0002-4e5f-8a9b-000000000002') }, { key: 'versionnumber', value: 5948260 }, { key: 'telephone1', value: '+81 3 5555 0100' }]),
    };
    const change = toCrmChange(parseRemoteExecutionContext(body), { sizeExceeded: false });
    expect(change.previousOwnerId).toBe('0a1b2c3d-0001-4e5f-8a9b-000000000001');
    expect(change.versionNumber).toBe('5948260');
    expect(change.postImage).toMatchObject({ _ownerid_value: '0a1b2c3d-0002-4e5f-8a9b-000000000002', telephone1: '+81 3 5555 0100' });

    const huge = { ...body, PostEntityImages: image([{ key: 'description', value: 'x'.repeat(60 * 1024) }]) };
    const small = toCrmChange(parseRemoteExecutionContext(huge), { sizeExceeded: false });
    expect(small.postImage).toBeUndefined();
    expect(Buffer.byteLength(JSON.stringify(small))).toBeLessThan(45 * 1024);
  });
});
