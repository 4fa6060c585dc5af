/**
 * The Dataverse Web API v9.2 emulator: `createDataverseEmulator({ seed, tls, identityUrl, orgUrl?, throttle? })`.
 * It builds the DataverseContext that the webhooks feature (./webhooks) extends, serves every registered table
 * under /api/data/v9.2/, and adds its test controls to the common ones:
 * - GET  /_emulator/tables/{logicalName}   rows of a table as stored (lookups as { id, logicalName });
 * - POST /_emulator/delta/expire           invalidates every change-tracking token issued so far;
 * - GET|PUT|DELETE /_emulator/throttle     service-protection limits (PUT merges { requestsPer5Min, concurrent,
 *                                          executionTimeSecondsPer5Min, processingMs }) / usage; DELETE clears usage;
 * - PATCH /_emulator/systemusers/{id}      { isdisabled } — an admin disabling a user (user-controls.ts).
 */
import { EmulatorHttpError, EmulatorServer, type EmulatorRequest, type EmulatorResponse } from '../common/server';
import type { SandboxSeed } from '../seed';
import { DataverseAuth } from './auth';
import { BatchHandler } from './batch';
import type { DataverseContext, EntityRef, Row, TableDefinition } from './context';
import { dataverseError } from './errors';
import { OperationBus } from './operations';
import { WritePipeline } from './pipeline';
import { seedSampleData } from './sample-data';
import { blankRow, isLookup, TableRegistry } from './schema';
import { API_PATH } from './scope';
import { RowStore } from './store';
import { BUILT_IN_TABLES } from './tables';
import { ServiceProtection, type ThrottleLimits } from './throttle';
import { installUserControls } from './user-controls';
import { WebApi, type Call } from './web-api';
import { registerWebhooks } from './webhooks';

export interface DataverseEmulatorOptions {
  seed: SandboxSeed;
  tls: { cert: string; key: string };
  /** Base URL of the identity emulator (its JWKS verifies tokens). */
  identityUrl: string;
  /** The org URL: token audience and base of returned URLs. Default: the URL the emulator listens on. */
  orgUrl?: string;
  throttle?: Partial<ThrottleLimits>;
}

export interface DataverseEmulator {
  server: EmulatorServer;
  context: DataverseContext;
  listen(port: number): Promise<string>;
  close(): Promise<void>;
}

/** Error bodies of injected faults, in Dataverse's envelope. */
function faultBody(status: number): unknown {
  if (status === 429) return { error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.' } };
  if (status === 404) return { error: { code: '0x80060888', message: 'Resource not found for the segment.' } };
  if (status === 405) return { error: { code: '0x80060888', message: 'The requested resource does not support http method.' } };
  if (status === 413) return { error: { code: '0x80044184', message: 'The request message is too large.' } };
  return { error: { code: '0x80040216', message: 'An unexpected error occurred.' } };
}

function controlError(status: number, message: string): EmulatorHttpError {
  return new EmulatorHttpError(status, { error: message });
}

export function createDataverseEmulator(options: DataverseEmulatorOptions): DataverseEmulator {
  const { seed } = options;
  // Dataverse accepts request bodies up to 128 MB (file columns aside); memo columns reach 1 MB.
  const server = new EmulatorServer({ name: 'dataverse', tls: options.tls, faultBody, maxBodyBytes: 128 * 1024 * 1024 });
  const store = new RowStore();
  const registry = new TableRegistry();
  for (const table of BUILT_IN_TABLES) registry.add(table);
  const org = seedSampleData(store, registry, seed);
  const bus = new OperationBus(store);
  const pipeline = new WritePipeline({ registry, store, bus, businessUnitId: org.businessUnitId });
  const orgUrl = (): string => (options.orgUrl ?? server.url).replace(/\/$/, '');
  const auth = new DataverseAuth({ seed, identityUrl: options.identityUrl.replace(/\/$/, ''), orgUrl, organizationId: org.organizationId, store });
  const throttle = new ServiceProtection(options.throttle);
  const api = new WebApi({ registry, store, pipeline, auth, throttle, seed, orgUrl, organizationId: org.organizationId, businessUnitId: org.businessUnitId });
  const batch = new BatchHandler(server, store, orgUrl);

  const on = (method: string, path: string, handler: (call: Call) => EmulatorResponse | Promise<EmulatorResponse>): void => {
    server.route(method, `${API_PATH}${path}`, (req) => api.run(req, async (call) => handler(call)));
  };
  on('GET', '/WhoAmI', (call) => api.whoAmI(call));
  on('GET', '/WhoAmI()', (call) => api.whoAmI(call));
  on('POST', '/$batch', (call) => batch.handle(call));

  const tableHandler = (table: TableDefinition, method: string, key: string | undefined, call: Call): Promise<EmulatorResponse> | EmulatorResponse => {
    if (key === undefined && method === 'GET') return api.query(table, call);
    if (key === undefined && method === 'POST') return api.create(table, call);
    if (key !== undefined && method === 'GET') return api.retrieve(table, key, call);
    if (key !== undefined && method === 'PATCH') return api.update(table, key, call);
    if (key !== undefined && method === 'DELETE') return api.remove(table, key, call);
    throw dataverseError(405, '0x80060888', `The requested resource does not support http method '${method}'.`);
  };
  const addTableRoutes = (table: TableDefinition): void => {
    const set = table.entitySetName;
    on('GET', `/${set}`, (call) => tableHandler(table, 'GET', undefined, call));
    on('GET', `/${set}/$count`, (call) => api.count(table, call));
    on('POST', `/${set}`, (call) => tableHandler(table, 'POST', undefined, call));
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      on(method, `/${set}({key})`, (call) => tableHandler(table, method, call.req.params.key, call));
    }
  };

  /** Platform rows given with bare GUID lookups → stored shape, with a row version. */
  const normalize = (table: TableDefinition, row: Row): Row => {
    const out: Row = { ...blankRow(table), ...row };
    for (const [column, def] of Object.entries(table.columns)) {
      const value = out[column];
      if (isLookup(def) && typeof value === 'string') out[column] = { id: value.toLowerCase(), logicalName: def.targets?.[0] ?? 'unknown' } satisfies EntityRef;
    }
    out[table.primaryIdAttribute] = String(out[table.primaryIdAttribute]).toLowerCase();
    if ('versionnumber' in table.columns) out.versionnumber = store.nextVersion();
    return out;
  };

  let catchAllInstalled = false;
  for (const table of BUILT_IN_TABLES) addTableRoutes(table);

  const context: DataverseContext = {
    server,
    seed,
    orgUrl,
    organizationId: org.organizationId,
    organizationName: org.organizationName,
    businessUnitId: org.businessUnitId,
    authenticate: (req: EmulatorRequest) => auth.authenticate(req),
    registerTable(table) {
      registry.add(table);
      for (const row of table.seedRows ?? []) {
        const stored = normalize(table, row);
        store.put(table.logicalName, String(stored[table.primaryIdAttribute]), stored);
      }
      // Tables added after start-up are reached through the catch-all route instead.
      if (!catchAllInstalled) addTableRoutes(table);
    },
    rows(logicalName) {
      const table = registry.get(logicalName);
      if (!table) return [];
      return store.rows(logicalName).map((r) => structuredClone(pipeline.materialize(table, r)));
    },
    onOperation: (listener) => bus.onOperation(listener),
    onOperationInTransaction: (listener) => bus.onOperationInTransaction(listener),
    putRow(logicalName, row) {
      const table = registry.require(logicalName);
      const stored = normalize(table, row);
      store.put(logicalName, String(stored[table.primaryIdAttribute]), stored);
    },
    deleteRow(logicalName, id) {
      store.remove(logicalName, id);
    },
    dataverseError,
  };
  const webhooks = registerWebhooks(context);

  // Unknown entity sets and tables registered late: resolved per request.
  const catchAll = (call: Call): Promise<EmulatorResponse> | EmulatorResponse => {
    const { segment, rest } = call.req.params;
    const m = /^([A-Za-z_$][\w.$]*)(?:\((.*)\))?$/.exec(segment ?? '');
    const table = m ? registry.bySetName(m[1]!) : undefined;
    if (table && rest === undefined) return tableHandler(table, call.req.method, m![2], call);
    if (table && rest === '$count' && m![2] === undefined && call.req.method === 'GET') return api.count(table, call);
    throw dataverseError(404, '0x80060888', `Resource not found for the segment '${m?.[1] ?? segment}'.`);
  };
  for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) {
    on(method, '/{segment}', catchAll);
    on(method, '/{segment}/{rest}', catchAll);
  }
  catchAllInstalled = true;

  server.route('GET', '/_emulator/tables/{logicalName}', (req) => {
    if (!registry.get(req.params.logicalName!)) throw controlError(404, `unknown table ${req.params.logicalName}`);
    return { status: 200, body: context.rows(req.params.logicalName!) };
  });
  server.route('POST', '/_emulator/delta/expire', () => { store.expireTokens(); return { status: 204 }; });
  server.route('GET', '/_emulator/throttle', () => ({ status: 200, body: { limits: throttle.current, usage: throttle.snapshot() } }));
  server.route('PUT', '/_emulator/throttle', (req) => {
    try {
      throttle.configure(req.json<Partial<ThrottleLimits>>() ?? {});
    } catch (error) {
      throw controlError(400, (error as Error).message);
    }
    return { status: 204 };
  });
  server.route('DELETE', '/_emulator/throttle', () => { throttle.reset(); return { status: 204 }; });
  installUserControls({ server, context });

  return {
    server,
    context,
    listen: (port) => server.listen(port),
    async close() {
      await webhooks.close();
      await server.close();
    },
  };
}
