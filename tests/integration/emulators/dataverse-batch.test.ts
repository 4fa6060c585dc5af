/**
 * `$batch` as raw multipart (execute-batch-operations-using-web-api.md; fixtures batch-response.json,
 * batch-response-error.json): the documented requests give responses of the documented shape; change sets are
 * atomic and resolve Content-ID references; errors stop the batch unless odata.continue-on-error.
 */
import type { DataverseOperation } from '../../emulators/dataverse/context';
import { startDataverseSandbox, type DataverseSandbox } from '../../emulators/dataverse/harness';
import { fixture } from '../../support/fixtures';

let sandbox: DataverseSandbox;
beforeAll(async () => { sandbox = await startDataverseSandbox(); });
afterAll(() => sandbox.close());

interface ResponsePart { headers: Record<string, string>; status: number; statusLine: string; responseHeaders: Record<string, string>; body: string }

/** Splits a multipart/mixed batch response into its HTTP responses (change set responses flattened). */
function parseParts(text: string): ResponsePart[] {
  const boundary = /^--(\S+)\r?\n/.exec(text)![1]!;
  const parts: ResponsePart[] = [];
  for (const chunk of text.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const [head, ...restParts] = chunk.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
    const rest = restParts.join('\r\n\r\n');
    const headers = Object.fromEntries(head!.split(/\r?\n/).map((l) => [l.split(':')[0]!.toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    if (headers['content-type']!.startsWith('multipart/mixed')) {
      parts.push(...parseParts(rest));
      continue;
    }
    const [statusBlock, ...bodyParts] = rest.split(/\r?\n\r?\n/);
    const [statusLine, ...headerLines] = statusBlock!.split(/\r?\n/);
    parts.push({
      headers, statusLine: statusLine!, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine!)![1]),
      responseHeaders: Object.fromEntries(headerLines.map((l) => [l.split(':')[0]!, l.slice(l.indexOf(':') + 1).trim()])),
      body: bodyParts.join('\r\n\r\n').trim(),
    });
  }
  return parts;
}

function batchBody(boundary: string, parts: string[]): string {
  return `${parts.map((p) => `--${boundary}\r\n${p}`).join('\r\n')}\r\n--${boundary}--\r\n`;
}

function request(method: string, url: string, body?: unknown, extra: string[] = []): string {
  const head = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary', ...extra, '', `${method} ${url} HTTP/1.1`];
  if (body !== undefined) head.push('Content-Type: application/json; type=entry', '', JSON.stringify(body));
  else head.push('', '');
  return head.join('\r\n');
}

function changeSet(boundary: string, requests: Array<{ method: string; url: string; body?: unknown; contentId: string }>): string {
  const inner = requests.map((r) => request(r.method, r.url, r.body, [`Content-ID: ${r.contentId}`]));
  return `Content-Type: multipart/mixed; boundary=${boundary}\r\n\r\n${batchBody(boundary, inner)}`;
}

async function postBatch(body: string, boundary: string, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string; parts: ResponsePart[] }> {
  const res = await sandbox.call('$batch', { method: 'POST', headers: { 'Content-Type': `multipart/mixed; boundary="${boundary}"`, ...headers }, body });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type')!, parts: parseParts(text) };
}

test('the documented batch (three creates and a query) answers in the shape of batch-response.json', async () => {
  const documented = parseParts((fixture('dataverse/batch-response.json') as { body: string }).body);
  const boundary = 'batch_80dd1615-2a10-428a-bb6f-0e559792721f';
  const subjects = ['Task 1 in batch', 'Task 2 in batch', 'Task 3 in batch'].map((s) => `${s} ${Date.now()}`);
  const result = await postBatch(batchBody(boundary, [
    ...subjects.map((subject) => request('POST', '/api/data/v9.2/tasks', { subject })),
    request('GET', `/api/data/v9.2/tasks?$select=subject&$filter=endswith(subject,'${subjects[0]!.split(' ').at(-1)}')`),
  ]), boundary);
  expect(result.status).toBe(200);
  expect(result.contentType).toMatch(/^multipart\/mixed; boundary=batchresponse_[0-9a-f-]{36}$/);
  expect(result.parts.map((p) => p.statusLine)).toEqual(documented.map((p) => p.statusLine));
  result.parts.forEach((part, i) => {
    expect(part.headers).toEqual(documented[i]!.headers);
    for (const name of Object.keys(documented[i]!.responseHeaders)) expect(part.responseHeaders).toHaveProperty([name]);
  });
  const ids = result.parts.slice(0, 3).map((p) => /\(([^)]+)\)$/.exec(p.responseHeaders['OData-EntityId']!)![1]);
  expect(result.parts[0]!.responseHeaders.Location).toBe(result.parts[0]!.responseHeaders['OData-EntityId']);
  const query = JSON.parse(result.parts[3]!.body) as { '@odata.context': string; value: Array<Record<string, unknown>> };
  const documentedQuery = JSON.parse(documented[3]!.body) as { value: Array<Record<string, unknown>> };
  expect(query['@odata.context']).toBe(`${sandbox.apiUrl}/$metadata#tasks(subject)`);
  expect(query.value.map((t) => t.activityid)).toEqual(ids);
  for (const row of query.value) expect(Object.keys(row)).toEqual(Object.keys(documentedQuery.value[0]!));
});

test('without continue-on-error the first failure stops the batch with 400, as batch-response-error.json', async () => {
  const documented = fixture('dataverse/batch-response-error.json') as { status: number; body: string };
  const [documentedPart] = parseParts(documented.body);
  const boundary = 'batch_431faf5a-f979-4ee6-a374-d242f8962d41';
  const result = await postBatch(batchBody(boundary, [
    request('POST', '/api/data/v9.2/tasks', { subject: `Subject is too long ${'x'.repeat(200)}` }),
    request('POST', '/api/data/v9.2/tasks', { subject: 'Not run 2' }),
    request('POST', '/api/data/v9.2/tasks', { subject: 'Not run 3' }),
  ]), boundary);
  expect(result.status).toBe(documented.status);
  expect(result.parts).toHaveLength(1);
  const [part] = result.parts;
  expect(part!.statusLine).toBe(documentedPart!.statusLine);
  expect(Object.keys(part!.responseHeaders).sort()).toEqual(expect.arrayContaining(Object.keys(documentedPart!.responseHeaders).sort()));
  expect(part!.responseHeaders['Content-Type']).toBe(documentedPart!.responseHeaders['Content-Type']);
  expect(JSON.parse(part!.body)).toEqual(JSON.parse(documentedPart!.body));
  expect(sandbox.dataverse.context.rows('task').some((t) => String(t.subject).startsWith('Not run'))).toBe(false);

  const lenient = await postBatch(batchBody(boundary, [
    request('POST', '/api/data/v9.2/tasks', { subject: 'x'.repeat(201) }),
    request('POST', '/api/data/v9.2/tasks', { subject: 'Run despite the error' }),
  ]), boundary, { Prefer: 'odata.continue-on-error' });
  expect(lenient.status).toBe(200);
  expect(lenient.parts.map((p) => p.status)).toEqual([400, 204]);
});

test('a change set resolves Content-ID references and answers a changesetresponse with Content-IDs', async () => {
  const operations: DataverseOperation[] = [];
  const stop = sandbox.dataverse.context.onOperation((op) => operations.push(op));
  const boundary = 'batch_AAA123';
  const result = await postBatch(batchBody(boundary, [changeSet('changeset_BBB456', [
    { method: 'POST', url: `${sandbox.apiUrl}/contacts`, body: { firstname: 'First Name', lastname: 'Last name' }, contentId: '1' },
    { method: 'POST', url: 'tasks', body: { subject: 'About the new contact', 'regardingobjectid_contact_task@odata.bind': '$1' }, contentId: '2' },
    { method: 'PATCH', url: '$1', body: { jobtitle: 'Buyer' }, contentId: '3' },
  ])]), boundary);
  stop();
  expect(result.status).toBe(200);
  expect(result.parts.map((p) => [p.status, p.headers['content-id']])).toEqual([[204, '1'], [204, '2'], [204, '3']]);
  const contactId = /\(([^)]+)\)$/.exec(result.parts[0]!.responseHeaders['OData-EntityId']!)![1]!;
  const taskId = /\(([^)]+)\)$/.exec(result.parts[1]!.responseHeaders['OData-EntityId']!)![1]!;
  expect(sandbox.dataverse.context.rows('contact').find((c) => c.contactid === contactId)).toMatchObject({ fullname: 'First Name Last name', jobtitle: 'Buyer' });
  expect(sandbox.dataverse.context.rows('task').find((t) => t.activityid === taskId)!.regardingobjectid).toEqual({ id: contactId, logicalName: 'contact' });
  expect(operations.map((o) => `${o.messageName} ${o.table.logicalName}`)).toEqual(['Create contact', 'Create task', 'Update contact']);
});

test('a failing request rolls the whole change set back: one error part, no rows, no operations', async () => {
  const operations: DataverseOperation[] = [];
  const stop = sandbox.dataverse.context.onOperation((op) => operations.push(op));
  const victim = sandbox.dataverse.context.rows('contact')[0]!;
  const contactCount = sandbox.dataverse.context.rows('contact').length;
  const boundary = 'batch_rollback';
  const result = await postBatch(batchBody(boundary, [changeSet('changeset_rollback', [
    { method: 'POST', url: 'tasks', body: { subject: 'Rolled back 1' }, contentId: '1' },
    { method: 'PATCH', url: `contacts(${victim.contactid as string})`, body: { jobtitle: 'Rolled back title' }, contentId: '2' },
    { method: 'DELETE', url: `contacts(${sandbox.dataverse.context.rows('contact')[1]!.contactid as string})`, contentId: '3' },
    { method: 'POST', url: 'tasks', body: { subject: 'Rolled back 2', percentcomplete: 150 }, contentId: '4' },
  ])]), boundary);
  stop();
  expect(result.status).toBe(400);
  expect(result.parts).toHaveLength(1);
  expect(result.parts[0]!.status).toBe(400);
  expect(sandbox.dataverse.context.rows('task').some((t) => String(t.subject).startsWith('Rolled back'))).toBe(false);
  expect(sandbox.dataverse.context.rows('contact').find((c) => c.contactid === victim.contactid)!.jobtitle).toBe(victim.jobtitle);
  expect(sandbox.dataverse.context.rows('contact')).toHaveLength(contactCount);
  expect(operations).toEqual([]);
});

test('an undeclared Content-ID reference and a GET inside a change set are refused', async () => {
  const boundary = 'batch_refs';
  const undeclared = await postBatch(batchBody(boundary, [changeSet('changeset_refs', [
    { method: 'POST', url: 'tasks', body: { subject: 'Dangling', 'regardingobjectid_contact_task@odata.bind': '$1' }, contentId: '2' },
  ])]), boundary);
  expect(undeclared.status).toBe(400);
  expect(JSON.parse(undeclared.parts[0]!.body).error.message).toBe("Content-ID Reference: '$1' does not exist in the batch context.");
  const withGet = await postBatch(batchBody(boundary, [changeSet('changeset_get', [
    { method: 'GET', url: 'tasks?$select=subject', contentId: '1' },
  ])]), boundary);
  expect(withGet.status).toBe(400);
});
