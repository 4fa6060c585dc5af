/**
 * Per-request conventions: the `Prefer` preferences Outlook honours (outlook.timezone, IdType,
 * odata.maxpagesize, outlook.body-content-type) with `Preference-Applied`, Graph's JSON content type and
 * request-id headers, and `If-Match` checks against an item's change key.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse } from '../common/server';
import { errors } from './errors';
import { ianaZone } from './time';

export interface Prefs {
  /** Zone for start/end and other dateTimeTimeZone values; default UTC. */
  zone: { name: string; iana: string };
  immutableIds: boolean;
  maxPageSize?: number;
  bodyText: boolean;
  applied: string[];
}

/** `a="x", b=y` (possibly several Prefer headers) → name (lower-cased) → value. */
export function parsePrefer(headers: EmulatorRequest['headers']): Map<string, string> {
  const raw = headers.prefer;
  const text = Array.isArray(raw) ? raw.join(',') : raw ?? '';
  const out = new Map<string, string>();
  const re = /\s*([^=,;\s]+)\s*(?:=\s*(?:"([^"]*)"|([^,;\s]*)))?\s*[,;]?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && m[0].length > 0) {
    out.set(m[1]!.toLowerCase(), m[2] ?? m[3] ?? '');
  }
  return out;
}

/** Reads the preferences; `outlookItems` is false for To Do (no ImmutableId support there). */
export function readPrefs(req: EmulatorRequest, outlookItems: boolean): Prefs {
  const prefer = parsePrefer(req.headers);
  const applied: string[] = [];
  let zone = { name: 'UTC', iana: 'UTC' };
  const tz = prefer.get('outlook.timezone');
  if (tz !== undefined) {
    const iana = ianaZone(tz);
    if (!iana) throw errors.timeZone(tz);
    zone = { name: tz, iana };
    applied.push(`outlook.timezone="${tz}"`);
  }
  const immutableIds = outlookItems && (prefer.get('idtype') ?? '').toLowerCase() === 'immutableid';
  if (immutableIds) applied.push('IdType="ImmutableId"');
  let maxPageSize: number | undefined;
  const max = prefer.get('odata.maxpagesize');
  if (max !== undefined && /^\d+$/.test(max) && Number(max) > 0) {
    maxPageSize = Number(max);
    applied.push(`odata.maxpagesize=${maxPageSize}`);
  }
  const bodyText = (prefer.get('outlook.body-content-type') ?? '').toLowerCase() === 'text';
  if (bodyText) applied.push('outlook.body-content-type="text"');
  return { zone, immutableIds, maxPageSize, bodyText, applied };
}

export const JSON_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** A Graph-style response: JSON content type, OData-Version, request ids, Preference-Applied. */
export function reply(req: EmulatorRequest, status: number, body?: unknown, prefs?: Prefs, headers: Record<string, string> = {}): EmulatorResponse {
  const clientRequestId = String(req.headers['client-request-id'] ?? randomUUID());
  const out: Record<string, string> = {
    'request-id': randomUUID(),
    'client-request-id': clientRequestId,
    'Cache-Control': 'no-cache',
    ...headers,
  };
  if (body !== undefined) {
    out['Content-Type'] = JSON_CONTENT_TYPE;
    out['OData-Version'] = '4.0';
  }
  if (prefs && prefs.applied.length > 0) out['Preference-Applied'] = prefs.applied.join(', ');
  return { status, headers: out, body };
}

/** Throws 412 when `If-Match` names another version than `etag` (W/"changeKey"); `*` always matches. */
export function checkIfMatch(req: EmulatorRequest, changeKey: string): void {
  const header = req.headers['if-match'];
  if (header === undefined) return;
  const values = String(header).split(',').map((v) => v.trim()).filter(Boolean);
  const ok = values.some((v) => v === '*' || v.replace(/^W\//, '').replace(/^"|"$/g, '') === changeKey);
  if (!ok) throw errors.stale();
}

export function etag(changeKey: string): string {
  return `W/"${changeKey}"`;
}

/** The user segment as it appears in `@odata.context`, e.g. users('adelev%40contoso.example') */
export function usersSegment(idOrUpn: string): string {
  return `users('${encodeURIComponent(idOrUpn)}')`;
}
