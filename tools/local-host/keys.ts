/**
 * Function keys. `anonymous` needs none; `function` accepts a key of that function, a host key or the master
 * key; `admin` (and `system`) only the master key. The key comes as the `code` query parameter or the
 * `x-functions-key` header, as on the real host.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface HostKeys {
  masterKey?: string;
  hostKeys: string[];
  functionKeys: Record<string, string[]>;
}

export interface ResolvedKeys {
  keys: HostKeys;
  /** True when nothing was configured and random keys were made (the host prints them). */
  generated: boolean;
}

function newKey(): string {
  return randomBytes(30).toString('base64url');
}

/** Options win over `LOCAL_HOST_KEYS` (JSON of the same shape); with neither, a random master and host key. */
export function resolveKeys(options: Partial<HostKeys> | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedKeys {
  let source: Partial<HostKeys> | undefined = options;
  if (!source && env.LOCAL_HOST_KEYS) {
    try {
      source = JSON.parse(env.LOCAL_HOST_KEYS) as Partial<HostKeys>;
    } catch (error) {
      throw new Error(`LOCAL_HOST_KEYS is not JSON: ${(error as Error).message}`);
    }
  }
  const keys: HostKeys = {
    masterKey: source?.masterKey || undefined,
    hostKeys: [...(source?.hostKeys ?? [])].filter(Boolean),
    functionKeys: Object.fromEntries(Object.entries(source?.functionKeys ?? {}).map(([fn, list]) => [fn.toLowerCase(), list.filter(Boolean)])),
  };
  const configured = keys.masterKey || keys.hostKeys.length > 0 || Object.values(keys.functionKeys).some((l) => l.length > 0);
  if (configured) return { keys, generated: false };
  return { keys: { ...keys, masterKey: newKey(), hostKeys: [newKey()] }, generated: true };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function requestKey(url: URL, header: string | string[] | undefined): string | undefined {
  const fromHeader = Array.isArray(header) ? header[0] : header;
  return fromHeader || url.searchParams.get('code') || undefined;
}

export function isAuthorized(authLevel: unknown, functionName: string, key: string | undefined, keys: HostKeys): boolean {
  // The real host's default level is `function`.
  const level = typeof authLevel === 'string' ? authLevel.toLowerCase() : 'function';
  if (level === 'anonymous') return true;
  if (!key) return false;
  if (keys.masterKey && same(key, keys.masterKey)) return true;
  if (level !== 'function') return false;
  const candidates = [...keys.hostKeys, ...(keys.functionKeys[functionName.toLowerCase()] ?? [])];
  return candidates.some((candidate) => same(key, candidate));
}
