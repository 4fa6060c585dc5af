/** GUID helpers: Dataverse ids are lowercase GUIDs; sample rows get stable ids so tests and reruns agree. */
import { createHash, randomUUID } from 'node:crypto';

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID_PATTERN.test(value);
}

export function newGuid(): string {
  return randomUUID();
}

/** A GUID derived from a name (SHA-1, version-5 layout), stable across runs. */
export function stableGuid(name: string): string {
  const h = createHash('sha1').update(`crm-exchange-sync/dataverse-sample/${name}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
