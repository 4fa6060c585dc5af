/**
 * The local Functions host (tools/local-host), end to end: the built CLI runs as a child process against a real
 * Azurite and serves the fixture app (tests/fixtures/host-app); everything is observed from outside, through
 * HTTP, the queues and the host's output. Needs `npm run build` first (the fixture and the host run from dist/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { freePorts, startAzurite, type RunningAzurite } from '../../tools/azurite';
import { ensureSandboxCertificate } from '../emulators/common/tls';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/tools/local-host/cli.js');
const fixtureGlob = 'dist/tests/fixtures/host-app/*.js';
const keys = { masterKey: 'test-master-key', hostKeys: ['test-host-key'], functionKeys: { secured: ['test-secured-key'] } };
const hostJson = {
  version: '2.0',
  extensions: {
    http: { routePrefix: 'api' },
    queues: { batchSize: 4, maxPollingInterval: '00:00:00.500', visibilityTimeout: '00:00:00', maxDequeueCount: 3, messageEncoding: 'base64' },
  },
};
const values = { RECORD_QUEUE: 'host-record', OUTPUT_QUEUE: 'host-output', TICK_SCHEDULE: '*/2 * * * * *' };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const base64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');
/** A queue message's base64 text → the JSON value it carries, or the string when it is not JSON. */
const decode = (text: string): unknown => {
  const utf8 = Buffer.from(text, 'base64').toString('utf8');
  try {
    return JSON.parse(utf8);
  } catch {
    return utf8;
  }
};

const tempDirs: string[] = [];

function appRoot(settings: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-host-test-'));
  tempDirs.push(dir);
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify(hostJson));
  fs.writeFileSync(path.join(dir, 'local.settings.json'), JSON.stringify({ IsEncrypted: false, Values: settings }));
  return dir;
}

interface Host {
  child: ChildProcess;
  url: string;
  output(): string;
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

async function startHost(azurite: RunningAzurite, options: { args?: string[]; env?: Record<string, string>; settings?: Record<string, string> } = {}): Promise<Host> {
  const [port] = await freePorts(1);
  const child = spawn(process.execPath, [cli, '--app', fixtureGlob, '--app-root', appRoot(options.settings ?? values), '--port', String(port), ...(options.args ?? [])], {
    cwd: root,
    env: { ...process.env, AzureWebJobsStorage: azurite.connectionString, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = async (text: string, timeoutMs = 15000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!output.includes(text)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`Host output never showed '${text}':\n${output}`);
      await sleep(25);
    }
  };
  await waitFor('Functions host listening on');
  const url = /Functions host listening on (\S+)/.exec(output)?.[1] ?? '';
  expect(url).toMatch(new RegExp(`^https?://127\\.0\\.0\\.1:${port}$`));
  return { child, url, output: () => output, waitFor, exited };
}

let azurite: RunningAzurite;
let queues: QueueServiceClient;
let host: Host;

/** Receives (and deletes) `count` messages from a queue, waiting for them to arrive. */
async function take(queueName: string, count: number, timeoutMs = 10000): Promise<Array<{ body: unknown; dequeueCount: number }>> {
  const client = queues.getQueueClient(queueName);
  await client.createIfNotExists();
  const got: Array<{ body: unknown; dequeueCount: number }> = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count) {
    if (Date.now() > deadline) throw new Error(`Expected ${count} message(s) in '${queueName}', got ${got.length}`);
    const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
    for (const m of receivedMessageItems) {
      got.push({ body: decode(m.messageText), dequeueCount: m.dequeueCount });
      await client.deleteMessage(m.messageId, m.popReceipt);
    }
    if (got.length < count) await sleep(100);
  }
  return got;
}

async function send(queueName: string, value: unknown): Promise<void> {
  const client = queues.getQueueClient(queueName);
  await client.createIfNotExists();
  await client.sendMessage(base64(value));
}

async function count(queueName: string): Promise<number> {
  const client = queues.getQueueClient(queueName);
  await client.createIfNotExists();
  return (await client.getProperties()).approximateMessagesCount ?? -1;
}

beforeAll(async () => {
  azurite = await startAzurite();
  queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
  host = await startHost(azurite, { env: { LOCAL_HOST_KEYS: JSON.stringify(keys) } });
});

afterAll(async () => {
  if (host && host.child.exitCode === null) {
    host.child.kill('SIGKILL');
    await host.exited;
  }
  await azurite?.stop();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('loads the app from the glob, runs appStart, and prints each function with its URL', () => {
  const out = host.output();
  expect(out).toContain('fixture: appStart');
  expect(out).toContain(`routeEcho: [GET] ${host.url}/api/items/{id:int}/{name?}`);
  expect(out).toContain(`enqueue: [POST] ${host.url}/api/enqueue`);
  expect(out).toContain("recordMessage: queueTrigger (queue 'host-record')"); // %RECORD_QUEUE% from local.settings.json
  expect(out).toContain('everyTwoSeconds: timerTrigger (*/2 * * * * *)');
  expect(out).not.toContain('No keys configured'); // LOCAL_HOST_KEYS was given
});

test('an HTTP function answers with its route parameters, query, headers and cookies; hooks run around it', async () => {
  const response = await fetch(`${host.url}/api/items/42/widget?q=x`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json');
  expect(response.headers.get('x-fixture')).toBe('yes');
  expect(response.headers.get('set-cookie')).toBe('seen=1; Path=/; HttpOnly');
  expect(await response.json()).toEqual({ id: '42', name: 'widget', q: 'x', method: 'GET', url: `${host.url}/api/items/42/widget?q=x` });

  const optional = await fetch(`${host.url}/API/Items/7`);
  expect(optional.status).toBe(200);
  expect(await optional.json()).toMatchObject({ id: '7', name: null, q: null });

  for (const [method, url] of [['GET', '/api/items/abc'], ['POST', '/api/items/42'], ['GET', '/api/nothing-here'], ['GET', '/items/42']] as const) {
    const miss = await fetch(`${host.url}${url}`, { method });
    expect([method, url, miss.status, await miss.text()]).toEqual([method, url, 404, '']);
  }
  await host.waitFor('[routeEcho] fixture: postInvocation after pre:routeEcho');
});

test('the request body arrives as bytes; a handler error answers 500 with an empty body', async () => {
  const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 255]);
  const echoed = await fetch(`${host.url}/api/echo-body`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/x-test' } });
  expect(echoed.status).toBe(201);
  expect(echoed.headers.get('content-type')).toBe('application/x-test');
  expect(Buffer.from(await echoed.arrayBuffer())).toEqual(bytes);

  const failed = await fetch(`${host.url}/api/explode`);
  expect(failed.status).toBe(500);
  expect(await failed.text()).toBe('');
  await host.waitFor("Executed 'Functions.explode' (Failed");
});

test('a non-anonymous function answers 401 without its key and 200 with it (query or header)', async () => {
  const get = async (url: string, headers: Record<string, string> = {}): Promise<[number, string]> => {
    const r = await fetch(`${host.url}${url}`, { headers });
    return [r.status, await r.text()];
  };
  expect(await get('/api/secured')).toEqual([401, '']);
  expect(await get('/api/secured?code=wrong')).toEqual([401, '']);
  expect(await get('/api/secured', { 'x-functions-key': 'wrong' })).toEqual([401, '']);
  expect(await get('/api/secured?code=test-secured-key')).toEqual([200, 'secret']);
  expect(await get('/api/secured', { 'x-functions-key': 'test-secured-key' })).toEqual([200, 'secret']);
  expect(await get('/api/secured', { 'x-functions-key': 'test-host-key' })).toEqual([200, 'secret']);
  expect(await get('/api/secured?code=test-master-key')).toEqual([200, 'secret']);
  // admin level: only the master key.
  expect(await get('/api/master-only?code=test-host-key')).toEqual([401, '']);
  expect(await get('/api/master-only?code=test-secured-key')).toEqual([401, '']);
  expect(await get('/api/master-only', { 'x-functions-key': 'test-master-key' })).toEqual([200, 'admin']);
});

test('a base64 queue message reaches its function, JSON-parsed, with its trigger metadata', async () => {
  await send('host-record', { hello: 'world' });
  await send('host-record', 'plain text, not JSON');
  const received = await take('host-received', 2);
  const bodies = received.map((m) => m.body as { message: unknown; dequeueCount: number; id: string; insertionTime: string });
  expect(bodies.map((b) => b.message)).toEqual(expect.arrayContaining([{ hello: 'world' }, 'plain text, not JSON']));
  for (const body of bodies) {
    expect(body.dequeueCount).toBe(1);
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(body.insertionTime))).toBe(false);
  }
  expect(await count('host-record')).toBe(0);
});

test('a message whose handler always throws lands in <queue>-poison after maxDequeueCount tries; the others are processed', async () => {
  await send('host-fail', { fail: true, n: 0 });
  await send('host-fail', { n: 1 });
  await send('host-fail', { n: 2 });
  const poisoned = await take('host-fail-poison', 1);
  expect(poisoned[0]?.body).toEqual({ fail: true, n: 0 });
  const ok = await take('host-fail-ok', 2);
  expect(ok.map((m) => m.body)).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }]));
  // maxDequeueCount is 3 in the test host.json: three failed invocations, then the move.
  expect(host.output().split("Executed 'Functions.failing' (Failed").length - 1).toBe(3);
  expect(host.output()).toContain("Message has reached MaxDequeueCount of 3. Moving message to queue 'host-fail-poison'.");
  expect(await count('host-fail')).toBe(0);
  expect(await count('host-fail-poison')).toBe(0); // nothing duplicated
  expect(await count('host-fail-ok')).toBe(0);
});

test('an output binding lands in its queue, one message per array element', async () => {
  const response = await fetch(`${host.url}/api/enqueue`, { method: 'POST', body: JSON.stringify([{ a: 1 }, { a: 2 }, 'three']) });
  expect(response.status).toBe(202);
  const messages = await take('host-output', 3);
  // A string element is sent as the string itself (base64 of `three`, not of `"three"`).
  expect(messages.map((m) => m.body)).toEqual(expect.arrayContaining([{ a: 1 }, { a: 2 }, 'three']));
  expect(await count('host-output')).toBe(0);
});

test('timers: runOnStartup fires once at start; a six-field schedule fires every 2 s with its Timer', async () => {
  const [startup] = await take('host-startup-ticks', 1);
  const nextNewYear = `${new Date().getUTCFullYear() + 1}-01-01T00:00:00.000Z`;
  expect(startup?.body).toMatchObject({ isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { next: nextNewYear } });

  type Tick = { isPastDue: boolean; firedAt: string; scheduleStatus: { last: string; next: string } };
  const ticks = (await take('host-ticks', 3, 12000)).map((m) => m.body as Tick);
  for (const tick of ticks) {
    const due = Date.parse(tick.scheduleStatus.next);
    expect(tick.isPastDue).toBe(false);
    expect(due % 2000).toBe(0); // on even seconds
    const lateness = Date.parse(tick.firedAt) - due;
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(1000);
  }
  for (let i = 1; i < ticks.length; i++) {
    expect(ticks[i]!.scheduleStatus.last).toBe(ticks[i - 1]!.scheduleStatus.next);
    expect(Date.parse(ticks[i]!.scheduleStatus.next) - Date.parse(ticks[i - 1]!.scheduleStatus.next)).toBe(2000);
  }
  expect(await count('host-startup-ticks')).toBe(0); // runOnStartup fires once
});

test('SIGTERM during an invocation: the invocation completes, its output lands, the message is gone, appTerminate runs', async () => {
  await send('host-slow', { ms: 1500, n: 'finish-me' });
  await host.waitFor('fixture: slow work finish-me');
  host.child.kill('SIGTERM');
  expect(await host.exited).toBe(0);
  const out = host.output();
  expect(out.indexOf('Stopping the host')).toBeLessThan(out.indexOf("Executed 'Functions.slowWork' (Succeeded"));
  expect(out).toContain('fixture: appTerminate (appStart data kept)');
  expect((await take('host-slow-done', 1))[0]?.body).toEqual({ ms: 1500, n: 'finish-me' });
  expect(await count('host-slow')).toBe(0);
});

/** GET over HTTPS trusting the given CA (fetch would need NODE_EXTRA_CA_CERTS set before the process started). */
function httpsGet(url: string, ca: string): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve([res.statusCode ?? 0, body]));
    }).on('error', reject);
  });
}

test('HTTPS with --cert/--key; random keys when none are configured; SIGTERM past the shutdown timeout leaves the unfinished message visible in its queue', async () => {
  const tls = ensureSandboxCertificate();
  const second = await startHost(azurite, { args: ['--shutdown-timeout', '300', '--cert', tls.certPath, '--key', tls.keyPath] });
  try {
    expect(second.url).toMatch(/^https:/);
    const hostKey = /No keys configured: master key \S+, host key (\S+)/.exec(second.output())?.[1];
    expect(hostKey).toBeTruthy();
    expect(await httpsGet(`${second.url}/api/secured?code=${hostKey}`, tls.cert)).toEqual([200, 'secret']);
    expect(await httpsGet(`${second.url}/api/secured?code=test-host-key`, tls.cert)).toEqual([401, '']);

    await send('host-slow', { ms: 20000, n: 'interrupted' });
    await second.waitFor('fixture: slow work interrupted');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).toContain('Shutdown timeout: 1 invocation(s) still running');
    const [again] = await take('host-slow', 1, 2000); // visible at once, not after the 10-minute processing lease
    expect(again).toEqual({ body: { ms: 20000, n: 'interrupted' }, dequeueCount: 2 });
    expect(await count('host-slow-done')).toBe(0);
  } finally {
    if (second.child.exitCode === null) second.child.kill('SIGKILL');
  }
});

test('a startup error (an unresolvable %Setting%) is printed and exits non-zero', async () => {
  const { RECORD_QUEUE: _omitted, ...withoutRecordQueue } = values;
  const child = spawn(process.execPath, [cli, '--app', fixtureGlob, '--app-root', appRoot(withoutRecordQueue), '--port', '0'], {
    cwd: root,
    env: { ...process.env, AzureWebJobsStorage: azurite.connectionString },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(1);
  expect(stderr).toContain("'%RECORD_QUEUE%' does not resolve to a value");
});
