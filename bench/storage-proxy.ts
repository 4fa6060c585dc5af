/**
 * A counting HTTP proxy in front of Azurite. Azurite keeps no request counters, and counting inside our
 * own code would make the figures ours; so the app's AzureWebJobsStorage points here, and every request
 * the app (and the Functions host under it) makes to storage is classified — queue put / receive / delete,
 * table read / insert / replace / query… with the queue or table name — and forwarded unchanged.
 *
 * A queue receive that found nothing is counted apart ("queue receive (empty)"): that is the host's idle
 * polling, not work caused by a change. Request bodies are buffered (storage requests are small), so that a
 * request sent on a pooled connection Azurite had just closed can be retried once, as a client would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AZURITE_ACCOUNT, azuriteConnectionString, type AzuritePorts } from '../tools/azurite';

type Service = keyof AzuritePorts;

export interface StorageProxy {
  ports: AzuritePorts;
  /** Connection string for the app: the proxy's endpoints, Azurite's account and key. */
  connectionString: string;
  /** Where requests go (Azurite's ports); requests arriving before this is set are answered 503. */
  setTarget(ports: AzuritePorts): void;
  /** Operations per "operation name", e.g. "table read SyncLinks", "queue put sync-work". */
  counters(): Record<string, number>;
  reset(): void;
  close(): Promise<void>;
}

/** Names one storage request the way the storage REST API documents it. */
export function classify(service: Service, method: string, url: string, headers: http.IncomingHttpHeaders): string {
  const parsed = new URL(url, 'http://storage');
  const segments = parsed.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (segments[0] === AZURITE_ACCOUNT) segments.shift();
  const query = parsed.searchParams;
  const conditional = headers['if-match'] !== undefined;
  if (service === 'queue') {
    const [queue = '', messages, messageId] = segments;
    if (!queue) return `queue ${method === 'GET' ? 'list' : method} (service)`;
    if (messages !== 'messages') {
      if (method === 'PUT') return `queue create ${queue}`;
      if (method === 'DELETE') return `queue drop ${queue}`;
      return `queue properties ${queue}`;
    }
    if (messageId) return `${method === 'DELETE' ? 'queue delete' : method === 'PUT' ? 'queue update' : `queue ${method}`} ${queue}`;
    if (method === 'POST') return `queue put ${queue}`;
    if (method === 'DELETE') return `queue clear ${queue}`;
    return `${query.get('peekonly') === 'true' ? 'queue peek' : 'queue receive'} ${queue}`;
  }
  if (service === 'table') {
    const target = segments[0] ?? '';
    if (target === '$batch') return 'table batch';
    if (target === 'Tables' || target.startsWith('Tables(')) return method === 'POST' ? 'table create' : method === 'DELETE' ? 'table drop' : 'table list';
    const m = /^([^(]+)(?:\((.*)\))?$/.exec(target);
    const table = m?.[1] ?? target;
    const keyed = (m?.[2] ?? '').length > 0;
    if (!keyed) return method === 'POST' ? `table insert ${table}` : `table query ${table}`;
    switch (method) {
      case 'GET': return `table read ${table}`;
      case 'PUT': return `${conditional ? 'table replace' : 'table upsert'} ${table}`;
      case 'MERGE':
      case 'PATCH': return `${conditional ? 'table merge' : 'table upsert (merge)'} ${table}`;
      case 'DELETE': return `table delete ${table}`;
      default: return `table ${method} ${table}`;
    }
  }
  return `blob ${method} ${segments.slice(0, 1).join('/') || '(service)'}`;
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export async function startStorageProxy(): Promise<StorageProxy> {
  const counts = new Map<string, number>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let target: AzuritePorts | undefined;
  const count = (key: string): void => { counts.set(key, (counts.get(key) ?? 0) + 1); };

  /** One forwarded request; a pooled connection Azurite closed meanwhile is retried once on a fresh one. */
  const forward = (service: Service, req: http.IncomingMessage, body: Buffer, retry: boolean): Promise<http.IncomingMessage> => new Promise((resolve, reject) => {
    const upstream = http.request({
      host: '127.0.0.1', port: target![service], method: req.method, path: req.url, headers: req.headers, agent: retry ? agent : undefined,
    }, resolve);
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (retry && (error.code === 'ECONNRESET' || error.message === 'socket hang up')) forward(service, req, body, false).then(resolve, reject);
      else reject(error);
    });
    upstream.end(body);
  });

  const handler = (service: Service) => async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (!target) {
      res.writeHead(503).end();
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const name = classify(service, method, req.url ?? '/', req.headers);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let up: http.IncomingMessage;
    try {
      up = await forward(service, req, Buffer.concat(chunks), true);
    } catch (error) {
      count(`${name} (proxy error)`);
      res.writeHead(502, { 'content-type': 'text/plain' }).end(String(error));
      return;
    }
    const status = up.statusCode ?? 502;
    const suffix = status >= 400 ? ` (${status})` : '';
    if (!name.startsWith('queue receive')) {
      count(`${name}${suffix}`);
      res.writeHead(status, up.headers);
      up.pipe(res);
      return;
    }
    // A receive is only looked at to tell idle polling from work.
    const body: Buffer[] = [];
    for await (const chunk of up) body.push(chunk as Buffer);
    const text = Buffer.concat(body);
    count(`${name}${status < 400 && !text.includes('<QueueMessage>') ? ' (empty)' : suffix}`);
    res.writeHead(status, up.headers);
    res.end(text);
  };

  const serve = (service: Service) => http.createServer((req, res) => {
    handler(service)(req, res).catch((error) => { if (!res.headersSent) res.writeHead(500); res.end(String(error)); });
  });
  const servers = { blob: serve('blob'), queue: serve('queue'), table: serve('table') };
  for (const server of Object.values(servers)) server.keepAliveTimeout = 30_000;
  const ports: AzuritePorts = { blob: await listen(servers.blob), queue: await listen(servers.queue), table: await listen(servers.table) };

  return {
    ports,
    connectionString: azuriteConnectionString(ports),
    setTarget(p) { target = p; },
    counters: () => Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b))),
    reset: () => counts.clear(),
    async close() {
      agent.destroy();
      await Promise.all(Object.values(servers).map((s) => new Promise<void>((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      })));
    },
  };
}
