/**
 * `npm run register` and versioned post images, against the Dataverse emulator: the post image's alias carries
 * a hash of its columns; an installation registered before (alias `postimage`) or with other columns is
 * migrated in place — the image updated, never a second one added — a run after that changes nothing, and
 * Dataverse then delivers the image under the new alias, null columns left out, which the worker trusts.
 */
import { DynamicsWebApi } from 'dynamics-web-api';
import { IMAGE_ALIAS_ANNOTATION } from '../../shared/dataverse/data-contract';
import { parseRemoteExecutionContext, toCrmChange } from '../../shared/dataverse/remote-execution-context';
import { CRM_LOOKUP_COLUMNS, TASK_MAPPING } from '../../shared/mappings';
import { registeredPostImage } from '../../shared/registration/dataverse-registration';
import { rowFromImage } from '../../shared/sync/record-values';
import { runRegister, type RegisterResult } from '../../tools/register/cli';
import { ensureSandboxCertificate } from '../emulators/common/tls';
import { startDataverseSandbox, type DataverseSandbox } from '../emulators/dataverse/harness';
import { WebhookTestReceiver } from '../emulators/dataverse/webhook-test-receiver';
import { WebhookRegistrar } from '../emulators/dataverse/webhook-test-registration';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const receiver = new WebhookTestReceiver(ensureSandboxCertificate());
let sandbox: DataverseSandbox;
let env: Record<string, string>;
let functionUrl: string;

beforeAll(async () => {
  sandbox = await startDataverseSandbox();
  await receiver.listen();
  functionUrl = `${receiver.url}/api/webhooks/dataverse`;
  env = {
    SYNC_TENANT_ID: sandbox.seed.tenantId,
    SYNC_CLIENT_ID: sandbox.seed.clients.sync.clientId,
    SYNC_CLIENT_SECRET: sandbox.seed.clients.sync.clientSecret,
    SYNC_AUTHORITY_HOST: sandbox.authority.slice(0, -(sandbox.seed.tenantId.length + 1)),
  };
  await new WebhookRegistrar(sandbox, () => receiver.url).reset();
});

afterAll(async () => {
  await receiver.close();
  await sandbox.close();
});

async function register(): Promise<Json> {
  let out = '';
  const code = await runRegister(['--dataverse', sandbox.orgUrl, '--function-url', functionUrl, '--function-key', 'key-1', '--json'], env, { out: (t) => { out += t; }, err: () => {} });
  expect(code).toBe(0);
  return (JSON.parse(out) as RegisterResult).registration as Json;
}

async function get(path: string): Promise<Json[]> {
  const res = await sandbox.call(path);
  expect(res.status).toBe(200);
  return ((await res.json()) as Json).value as Json[];
}

/** Our steps, each with its images. */
async function stepsWithImages(): Promise<Array<{ id: string; name: string; images: Json[] }>> {
  const steps = await get("sdkmessageprocessingsteps?$select=sdkmessageprocessingstepid,name&$filter=startswith(name,'crm-exchange-sync: ')");
  const images = await get('sdkmessageprocessingstepimages?$select=sdkmessageprocessingstepimageid,name,entityalias,imagetype,attributes,_sdkmessageprocessingstepid_value');
  return steps.map((s) => ({
    id: String(s.sdkmessageprocessingstepid), name: String(s.name),
    images: images.filter((i) => String(i._sdkmessageprocessingstepid_value).toLowerCase() === String(s.sdkmessageprocessingstepid).toLowerCase()),
  }));
}

async function patchImage(id: string, data: Json): Promise<void> {
  const res = await sandbox.call(`sdkmessageprocessingstepimages(${id})`, { method: 'PATCH', body: data });
  expect(res.status).toBe(204);
}

test('an old registration (alias postimage, other columns) is migrated in place; the next run changes nothing', async () => {
  const first = await register();
  expect(first.created.filter((c: string) => c.startsWith('image PostImage_'))).toHaveLength(9); // Create, Update, Assign × 3 tables
  const taskAlias = registeredPostImage(TASK_MAPPING).alias;

  // Turn it into what an older version registered: unversioned aliases; on the task Update step also fewer
  // columns, and a stray second post image of an older version.
  const before = await stepsWithImages();
  const legacyPosts = before.flatMap((s) => s.images.filter((i) => i.imagetype === 1).map((i) => ({ step: s, image: i })));
  expect(legacyPosts).toHaveLength(9);
  for (const { image } of legacyPosts) await patchImage(String(image.sdkmessageprocessingstepimageid), { name: 'postimage', entityalias: 'postimage' });
  const taskUpdate = before.find((s) => s.name === 'crm-exchange-sync: Update of task')!;
  const taskUpdatePost = taskUpdate.images.find((i) => i.imagetype === 1)!;
  await patchImage(String(taskUpdatePost.sdkmessageprocessingstepimageid), { attributes: 'ownerid,statecode,statuscode,subject,versionnumber' });
  const registrar = new WebhookRegistrar(sandbox, () => receiver.url);
  await registrar.image(taskUpdate.id, 'PostImage_0badc0de', 1, 'ownerid,subject');

  const migration = await register();
  expect(migration.created).toEqual([]);
  // Every post image updated (its alias too), the pre images untouched, the stray older version removed.
  expect(migration.updated).toHaveLength(9);
  expect(migration.updated).toContain(`image ${taskAlias} of crm-exchange-sync: Update of task (was postimage)`);
  expect(migration.deleted).toEqual(['image PostImage_0badc0de of crm-exchange-sync: Update of task']);

  const after = await stepsWithImages();
  for (const step of after) {
    const posts = step.images.filter((i) => i.imagetype === 1);
    const pres = step.images.filter((i) => i.imagetype === 0);
    expect({ step: step.name, posts: posts.length, pres: pres.map((p) => p.entityalias) }).toEqual({
      step: step.name, posts: /: Delete of /.test(step.name) ? 0 : 1, pres: /: (Update|Assign|Delete) of /.test(step.name) ? ['preimage'] : [],
    });
    for (const post of posts) expect(post.entityalias).toMatch(/^PostImage_[0-9a-f]{8}$/);
  }
  // The same image rows, updated — not new ones beside them.
  const ids = (steps: typeof before) => steps.flatMap((s) => s.images.filter((i) => i.imagetype === 1 && i.entityalias !== 'PostImage_0badc0de').map((i) => String(i.sdkmessageprocessingstepimageid))).sort();
  expect(ids(after)).toEqual(ids(before));
  const updatedTaskImage = after.find((s) => s.name === taskUpdate.name)!.images.find((i) => i.imagetype === 1)!;
  expect(updatedTaskImage).toMatchObject({ entityalias: taskAlias, name: taskAlias });
  expect(new Set(String(updatedTaskImage.attributes).split(','))).toEqual(registeredPostImage(TASK_MAPPING).columns);

  const again = await register();
  expect(again).toMatchObject({ created: [], updated: [], deleted: [], noChange: true });
});

test('Dataverse delivers the post image under its versioned alias, null columns left out; the worker reads them as null', async () => {
  receiver.clear();
  const api: DynamicsWebApi = sandbox.webApi(sandbox.seed.clients.sync);
  const id = await api.create({ collection: 'tasks', data: { subject: 'Call back', description: 'Bring the figures', scheduledend: '2026-12-01T09:00:00Z' } }) as string;
  await api.update({ collection: 'tasks', key: id, data: { description: null, subject: 'Call back (no notes)' } });
  await new WebhookRegistrar(sandbox, () => receiver.url).drain();
  const update = receiver.received.find((r) => r.headers['x-ms-dynamics-request-name'] === 'Update' && String(r.body.PrimaryEntityId).toLowerCase() === id.toLowerCase())!;
  expect(update).toBeDefined();
  const registered = registeredPostImage(TASK_MAPPING);
  const images = update.body.PostEntityImages as Json[];
  expect(images.map((i) => i.key)).toEqual([registered.alias, 'AsynchronousStepPrimaryName']);
  const keys = (images[0]!.value.Attributes as Json[]).map((a) => a.key);
  expect(keys).toEqual(expect.arrayContaining(['subject', 'scheduledend', 'ownerid', 'versionnumber', 'statecode', 'statuscode']));
  expect(keys).not.toContain('description'); // null: left out, as Dataverse does
  expect((update.body.PreEntityImages as Json[]).map((i) => i.key)).toEqual(['preimage']);

  const change = toCrmChange(parseRemoteExecutionContext(update.body), { sizeExceeded: false, correlationId: 'c' });
  expect(change.postImage?.[IMAGE_ALIAS_ANNOTATION]).toBe(registered.alias);
  const row = rowFromImage(TASK_MAPPING, change.postImage, CRM_LOOKUP_COLUMNS, registered);
  expect(row).toMatchObject({ subject: 'Call back (no notes)', description: null, scheduledstart: null, scheduledend: '2026-12-01T09:00:00.000Z' });
});
