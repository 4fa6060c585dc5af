/**
 * What the emulators record and echo of a caller's request ids: Graph answers `request-id` and
 * `client-request-id` (the caller's echoed, else its request-id) on every answer — errors, injected faults
 * and unknown routes included, with the same ids in an error's innerError; both emulators keep the last
 * requests with the correlation headers they came with (GET /_emulator/requests), $batch parts included.
 */
import { EmulatorControls } from '../../emulators/common/controls-client';
import { startDataverseSandbox, type DataverseSandbox } from '../../emulators/dataverse/harness';
import { startGraphSandbox, type GraphSandbox } from '../../emulators/graph/testing';

const ID = '4b1f3e2a-8c7d-4e6f-9a0b-1c2d3e4f5a6b';

describe('Graph', () => {
  let sb: GraphSandbox;
  let adele: string;
  let controls: EmulatorControls;
  beforeAll(async () => {
    sb = await startGraphSandbox();
    adele = sb.seed.users[0]!.entraObjectId;
    controls = new EmulatorControls(sb.baseUrl);
  });
  afterAll(() => sb.close());
  beforeEach(() => controls.resetCounters());

  test('a success echoes client-request-id beside its own request-id; without one, client-request-id is the request-id', async () => {
    const sent = await sb.call('GET', `/users/${adele}/contacts`, { headers: { 'client-request-id': ID } });
    expect(sent.status).toBe(200);
    expect(sent.headers.get('client-request-id')).toBe(ID);
    expect(sent.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.headers.get('request-id')).not.toBe(ID);
    const none = await sb.call('GET', `/users/${adele}/contacts`);
    expect(none.headers.get('client-request-id')).toBe(none.headers.get('request-id'));
  });

  test('errors, injected faults and unknown routes carry them too, the same in the innerError', async () => {
    await controls.injectFault({ status: 503, count: 1, match: 'GET .*/contacts$' });
    const answers = [
      await sb.call('GET', `/users/${adele}/contacts/AAMkNOPE`, { headers: { 'client-request-id': ID } }),
      await sb.call('GET', `/users/${adele}/contacts`, { headers: { 'client-request-id': ID } }),
      await sb.call('GET', '/nowhere', { headers: { 'client-request-id': ID } }),
      await sb.call('GET', `/users/${adele}/contacts`, { anonymous: true, headers: { 'client-request-id': ID } }),
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 503, 404, 401]);
    for (const a of answers) {
      expect(a.headers.get('client-request-id')).toBe(ID);
      expect(a.body.error.innerError).toMatchObject({ 'client-request-id': ID, 'request-id': a.headers.get('request-id') });
    }
  });

  test('the request log keeps each request with the client-request-id it sent, $batch parts included', async () => {
    await sb.call('GET', `/users/${adele}/contacts`, { headers: { 'client-request-id': ID } });
    await sb.call('POST', '/$batch', {
      headers: { 'client-request-id': ID },
      body: { requests: [{ id: '1', method: 'GET', url: `/users/${adele}/contacts`, headers: { 'client-request-id': 'part-1' } }] },
    });
    await sb.call('GET', `/users/${adele}/contacts`);
    const log = await controls.requests();
    expect(log.map((r) => [r.method, r.template, r.status, r.headers['client-request-id']])).toEqual([
      ['GET', '/v1.0/users/{userId}/contacts', 200, ID],
      ['GET', '/v1.0/users/{userId}/contacts', 200, 'part-1'],
      ['POST', '/v1.0/$batch', 200, ID],
      ['GET', '/v1.0/users/{userId}/contacts', 200, undefined],
    ]);
    expect(await controls.requests({ header: 'client-request-id', value: ID })).toHaveLength(2);
    expect(await controls.requests({ method: 'post' })).toHaveLength(1);
    expect(await controls.requests({ path: '\\$batch' })).toHaveLength(1);
    await controls.clearRequests();
    expect(await controls.requests()).toEqual([]);
  });
});

describe('Dataverse', () => {
  let sb: DataverseSandbox;
  let controls: EmulatorControls;
  beforeAll(async () => {
    sb = await startDataverseSandbox();
    controls = new EmulatorControls(sb.orgUrl);
  });
  afterAll(() => sb.close());

  test('the request log keeps each request with the x-ms-client-request-id it sent', async () => {
    const api = sb.webApi(sb.seed.clients.sync);
    const id = await api.create({ collection: 'contacts', data: { lastname: 'Logged' }, headers: { 'x-ms-client-request-id': ID } }) as string;
    await api.update({ collection: 'contacts', key: id, data: { firstname: 'Request' }, headers: { 'x-ms-client-request-id': ID } });
    await api.deleteRecord({ collection: 'contacts', key: id });
    const log = await controls.requests({ path: '/contacts' });
    expect(log.map((r) => [r.method, r.status, r.headers['x-ms-client-request-id']])).toEqual([
      ['POST', 204, ID], ['PATCH', 204, ID], ['DELETE', 204, undefined],
    ]);
  });
});
