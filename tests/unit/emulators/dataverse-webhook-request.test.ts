import type { WebhookEndpoint } from '../../emulators/dataverse/registration-reader';
import { buildWebhookRequest, parseAuthSettings, serializeDataContract } from '../../emulators/dataverse/webhook-request';

const meta = { organizationHost: 'contoso.crm.dynamics.com', entityName: 'appointment', messageName: 'Update', correlationId: 'corr-1' };
const context = {
  BusinessUnitId: 'bu', InputParameters: [{ key: 'Target', value: { Attributes: [] } }], MessageName: 'Update',
  OperationCreatedOn: '/Date(1506384247000)/', ParentContext: { Stage: 30 }, PostEntityImages: [{ key: 'a', value: {} }],
  PreEntityImages: [], PrimaryEntityId: 'id-1', PrimaryEntityName: 'appointment', Stage: 40,
};

function endpoint(authType: number, authValue: string, url = 'https://receiver.example/api/dataverse'): WebhookEndpoint {
  return { id: 'e', name: 'functions', url, authType, authValue };
}

describe('the webhook request Dataverse sends', () => {
  test('WebhookKey adds ?code=<authvalue> (kept alongside an existing query), and the x-ms-dynamics headers are set', () => {
    const request = buildWebhookRequest(endpoint(4, 'k/1+2=='), context, meta);
    expect(new URL(request.url).searchParams.get('code')).toBe('k/1+2==');
    expect(request.headers).toEqual({
      'content-type': 'application/json',
      'x-ms-dynamics-organization': 'contoso.crm.dynamics.com',
      'x-ms-dynamics-entity-name': 'appointment',
      'x-ms-dynamics-request-name': 'Update',
      'x-ms-correlation-request-id': 'corr-1',
    });
    const withQuery = new URL(buildWebhookRequest(endpoint(4, 'abc', 'https://r.example/api/x?tenant=1'), context, meta).url);
    expect([...withQuery.searchParams]).toEqual([['tenant', '1'], ['code', 'abc']]);
  });

  test('HttpHeader and HttpQueryString read the <settings> XML of authvalue', () => {
    const xml = '<settings><setting name="x-sync-webhook-secret" value="s&amp;cret&quot;1" /><setting name="x-other" value=\'two\'/></settings>';
    expect(parseAuthSettings(xml)).toEqual([{ name: 'x-sync-webhook-secret', value: 's&cret"1' }, { name: 'x-other', value: 'two' }]);
    const headerRequest = buildWebhookRequest(endpoint(5, xml), context, meta);
    expect(headerRequest.headers).toMatchObject({ 'x-sync-webhook-secret': 's&cret"1', 'x-other': 'two' });
    expect(new URL(headerRequest.url).search).toBe('');
    const queryRequest = buildWebhookRequest(endpoint(6, xml), context, meta);
    expect(new URL(queryRequest.url).searchParams.get('x-sync-webhook-secret')).toBe('s&cret"1');
    expect(queryRequest.headers['x-sync-webhook-secret']).toBeUndefined();
    expect(parseAuthSettings('not xml')).toBeUndefined();
    expect(parseAuthSettings('<settings></settings>')).toBeUndefined();
  });

  test('the body is DataContract JSON: every "/" escaped, still plain JSON to a parser', () => {
    const text = serializeDataContract({ d: '/Date(1)/', t: 'Entity:http://schemas.microsoft.com/xrm/2011/Contracts' });
    expect(text).toBe('{"d":"\\/Date(1)\\/","t":"Entity:http:\\/\\/schemas.microsoft.com\\/xrm\\/2011\\/Contracts"}');
    expect(JSON.parse(text)).toEqual({ d: '/Date(1)/', t: 'Entity:http://schemas.microsoft.com/xrm/2011/Contracts' });
  });

  test('over 256 KB: ParentContext, InputParameters and both image lists are removed and the header is set', () => {
    const big = { ...context, InputParameters: [{ key: 'Target', value: { Attributes: [{ key: 'description', value: 'x'.repeat(300 * 1024) }] } }] };
    const request = buildWebhookRequest(endpoint(4, 'k'), big, meta);
    expect(request.sizeExceeded).toBe(true);
    expect(request.headers['x-ms-dynamics-msg-size-exceeded']).toBe('true');
    const body = JSON.parse(request.body.toString('utf8'));
    expect(Object.keys(body).sort()).toEqual(['BusinessUnitId', 'MessageName', 'OperationCreatedOn', 'PrimaryEntityId', 'PrimaryEntityName', 'Stage']);
    expect(request.body.length).toBeLessThan(1024);

    const small = buildWebhookRequest(endpoint(4, 'k'), context, meta);
    expect(small.sizeExceeded).toBe(false);
    expect(small.headers['x-ms-dynamics-msg-size-exceeded']).toBeUndefined();
    expect(JSON.parse(small.body.toString('utf8'))).toEqual(context);
  });
});
