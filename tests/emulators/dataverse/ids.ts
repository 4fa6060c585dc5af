/** GUID helpers: Dataverse ids are lowercase GUIDs; sample rows get stable ids so tests and reruns agree. */
import { createHash, randomUUID } from 'node:crypto';

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID_PATTERN.test(value);
}

export function newGuid(): string {
  return randomUUID();
}

// Row ids are sequential like the platform's (the docs' batch sample creates d31ba648-…, d41ba648-…, d51ba648-…
// with one tail per server), so the default order by primary key follows creation order.
let sequence = Math.floor(Date.now() / 1000) % 0x10000000;
const tail = randomUUID().slice(9);

/** A new row id: a rising 8-hex-digit prefix and a per-process tail. */
export function newRowId(): string {
  sequence = (sequence + 1) % 0x100000000;
  return `${sequence.toString(16).padStart(8, '0')}-${tail}`;
}

/** A GUID derived from a name (SHA-1, version-5 layout), stable across runs. */
export function stableGuid(name: string): string {
  const h = createHash('sha1').update(`crm-exchange-sync/dataverse-sample/${name}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
