/**
 * Item identifiers shaped like Exchange's. Outlook items have two encodings of the same item: the default
 * (REST/EWS) id, which starts "AAMkA…", and the immutable id that `Prefer: IdType="ImmutableId"` returns,
 * which starts "AAkALg…". Both decode to (mailbox, kind, key), so either is accepted on reads, but a client
 * that stores one and compares it with the other sees different strings, as with the real service.
 * Graph's ids are base64 with `/` → `-` and `+` → `_`.
 */
import { createHash, randomBytes } from 'node:crypto';

export type IdKind = 'event' | 'contact' | 'contactFolder' | 'todoTaskList' | 'todoTask' | 'linkedResource';

const KIND_BYTE: Record<IdKind, number> = {
  event: 0x46, contact: 0x47, contactFolder: 0x2e, todoTaskList: 0x2f, todoTask: 0x48, linkedResource: 0x49,
};
const REGULAR_HEADER = Buffer.from([0x00, 0x03, 0x24, 0x00]);
const IMMUTABLE_HEADER = Buffer.from([0x00, 0x09, 0x00, 0x2e, 0x00, 0x00, 0x00, 0x00]);

/** 16 random bytes as hex: the store's own key for an item. */
export function newKey(): string {
  return randomBytes(16).toString('hex');
}

/** A mailbox's 16-byte tag, derived from the user's object id (stable across restarts). */
export function mailboxTag(userObjectId: string): string {
  return createHash('sha256').update(userObjectId.toLowerCase()).digest('hex').slice(0, 32);
}

function toGraphBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\//g, '-').replace(/\+/g, '_');
}

function fromGraphBase64(id: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(id)) return undefined;
  return Buffer.from(id.replace(/-/g, '/').replace(/_/g, '+'), 'base64');
}

/** Real ids are long (~150 characters); padding keeps code that stores them honest about column sizes. */
const ID_BYTES = 112;

function filler(body: Buffer, length: number): Buffer {
  const out = Buffer.alloc(Math.max(0, length));
  const hash = createHash('sha256').update(body).digest();
  for (let i = 0; i < out.length; i += 1) out[i] = hash[i % hash.length]!;
  return out;
}

export function encodeId(tag: string, kind: IdKind, key: string, immutable = false): string {
  const header = immutable ? IMMUTABLE_HEADER : REGULAR_HEADER;
  const body = Buffer.concat([Buffer.from([KIND_BYTE[kind]]), Buffer.from(tag, 'hex'), Buffer.from(key, 'hex')]);
  return toGraphBase64(Buffer.concat([header, body, filler(body, ID_BYTES - header.length - body.length)]));
}

export interface DecodedId {
  tag: string;
  kind: IdKind;
  key: string;
  immutable: boolean;
}

export function decodeId(id: string): DecodedId | undefined {
  const bytes = fromGraphBase64(id);
  if (!bytes) return undefined;
  let immutable: boolean;
  let rest: Buffer;
  if (bytes.subarray(0, REGULAR_HEADER.length).equals(REGULAR_HEADER)) {
    immutable = false;
    rest = bytes.subarray(REGULAR_HEADER.length);
  } else if (bytes.subarray(0, IMMUTABLE_HEADER.length).equals(IMMUTABLE_HEADER)) {
    immutable = true;
    rest = bytes.subarray(IMMUTABLE_HEADER.length);
  } else {
    return undefined;
  }
  if (rest.length !== ID_BYTES - (immutable ? IMMUTABLE_HEADER.length : REGULAR_HEADER.length)) return undefined;
  if (!rest.subarray(33).equals(filler(rest.subarray(0, 33), rest.length - 33))) return undefined;
  const kind = (Object.keys(KIND_BYTE) as IdKind[]).find((k) => KIND_BYTE[k] === rest[0]);
  if (!kind) return undefined;
  return { kind, tag: rest.subarray(1, 17).toString('hex'), key: rest.subarray(17, 33).toString('hex'), immutable };
}

let changeCounter = 0;
/** A fresh change key, shaped like Exchange's ("ZlnW4RIAV06KYYwlrfNZvQAALfZeRQ=="). */
export function newChangeKey(tag: string): string {
  changeCounter += 1;
  const counter = Buffer.alloc(6);
  counter.writeUIntBE(changeCounter, 0, 6);
  return Buffer.concat([Buffer.from(tag, 'hex').subarray(0, 10), randomBytes(2), counter]).toString('base64');
}

/** iCalendar UID in Exchange's "040000008200E00074C5B7101A82E008…" form. */
export function newICalUId(): string {
  return `040000008200E00074C5B7101A82E00800000000${randomBytes(8).toString('hex').toUpperCase()}0000000000000000100000${randomBytes(13).toString('hex').toUpperCase()}`;
}
