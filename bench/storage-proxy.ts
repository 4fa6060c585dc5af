/**
 * A counting HTTP proxy in front of Azurite. Azurite keeps no request counters, and counting inside our
 * own code would make the figures ours; so the app's AzureWebJobsStorage points here, and every request
 * the app (and the Functions host under it) makes to storage is classified — queue put / receive / delete,
 * table read / insert / replace / query… with the queue or table name — and forwarded unchanged.
 *
 * A queue receive that found nothing is counted apart ("queue receive (empty)"): that is the host's idle
 * polling, not work caused by a change.
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

  const handler = (service: Service) => (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (!target) {
      res.writeHead(503).end();
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const name = classify(service, method, req.url ?? '/', req.headers);
    const isReceive = name.startsWith('queue receive');
    const upstream = http.request({ host: '127.0.0.1', port: target[service], method, path: req.url, headers: req.headers, agent }, (up) => {
      const status = up.statusCode ?? 502;
      const suffix = status >= 400 ? ` (${status})` : '';
      if (!isReceive) {
        count(`${name}${suffix}`);
        res.writeHead(status, up.headers);
        up.pipe(res);
        return;
      }
      // A receive is only looked at to tell idle polling from work.
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const body = Buffer.concat(chunks);
        count(`${name}${status < 400 && !body.includes('<QueueMessage>') ? ' (empty)' : suffix}`);
        res.writeHead(status, up.headers);
        res.end(body);
      });
    });
    upstream.on('error', (error) => {
      count(`${name} (proxy error)`);
      if (!res.headersSent) res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(upstream);
  };

  const servers = { blob: http.createServer(handler('blob')), queue: http.createServer(handler('queue')), table: http.createServer(handler('table')) };
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
