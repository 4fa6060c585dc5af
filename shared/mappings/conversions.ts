/**
 * Canonical forms shared by the record mappings, and builders for the field shapes that recur (a text
 * column ↔ a text property, Notes ↔ body, Priority ↔ Importance).
 *
 * Every normaliser is idempotent and every canonical value is a fixed point of it, which is what makes
 * round trips stable: writing a canonical value to either side and reading it back gives it again.
 * Rules: strings are trimmed and '' ≡ null; text is cut to the Dataverse column's MaxLength (from
 * either side, so a long Outlook value compares equal to what the CRM can hold); instants are ISO UTC to
 * the second (Dataverse keeps no milliseconds); dates are 'YYYY-MM-DD'.
 */
import type { Canonical, FieldMapping, SyncDirection } from './field-mapping';
import { parseDate } from './time-zones';

// ---------------------------------------------------------------- text

const HORIZONTAL_SPACE = /[\t\v\f \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff]+/g;
/** C0 controls other than tab and line breaks: not text (Exchange and Dataverse reject or drop them). */
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f]/g;

/** Cuts to `max` UTF-16 units (Dataverse's MaxLength unit) without splitting a surrogate pair. */
function cut(value: string, max: number | undefined): string {
  if (max === undefined || value.length <= max) return value;
  let end = max;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return value.slice(0, end);
}

/** Single-line text (names, phones, subject): trimmed, '' ≡ null, at most `maxLength` characters. */
export function canonicalText(value: unknown, maxLength?: number): string | null {
  if (typeof value !== 'string') return null;
  const text = cut(value.replace(CONTROL, '').trim(), maxLength).trim();
  return text === '' ? null : text;
}

function normaliseLines(text: string): string {
  const lines = text
    .replace(CONTROL, '')
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .split('\n')
    .map((line) => line.replace(HORIZONTAL_SPACE, ' ').trim());
  const kept: string[] = [];
  for (const line of lines) {
    if (line === '' && (kept.length === 0 || kept[kept.length - 1] === '')) continue;
    kept.push(line);
  }
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  return kept.join('\n');
}

/**
 * Multi-line plain text (Notes, description): line breaks normalised to \n, runs of spaces/tabs collapsed
 * to one space, lines trimmed, at most one blank line in a row, no leading/trailing blank lines.
 * Documented loss: indentation, repeated spaces and extra blank lines (HTML rendering drops them too).
 */
export function canonicalPlainText(value: unknown, maxLength?: number): string | null {
  if (typeof value !== 'string') return null;
  const text = normaliseLines(cut(normaliseLines(value), maxLength));
  return text === '' ? null : text;
}

const ENTITIES: Record<string, string> = {
  nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®', trade: '™', hellip: '…',
  mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', bull: '•', euro: '€', middot: '·',
};

function decodeEntities(text: string): string {
  // One pass, so "&amp;lt;" becomes "&lt;" and not "<".
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

const BLOCK = 'p|div|li|ul|ol|tr|table|tbody|thead|h[1-6]|blockquote|pre|section|article|header|footer';
const BLOCK_TAG = new RegExp(`<\\/?(?:${BLOCK})\\b[^>]*>`, 'gi');

/**
 * HTML (Outlook's body, with its <html><head>… wrapper) → plain text: whitespace collapses as a browser
 * would, <br> is a line break, block boundaries are one line break however many nest, tags are dropped,
 * entities decoded. Documented loss: formatting, links' targets, images, tables' layout.
 */
export function htmlToText(html: string): string {
  const marked = html
    .replace(/\u0000/g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(head|style|script|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/\s+/g, ' ')
    .replace(/<br\b[^>]*>/gi, '\n')
    .replace(BLOCK_TAG, '\u0000')
    .replace(/<\/t[dh]\s*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    // A run of block boundaries (only spaces between) is one line break.
    .replace(/\u0000(?:[ ]*\u0000)*/g, '\n');
  return decodeEntities(marked);
}

/** A Graph itemBody → canonical plain text (HTML stripped), at most `maxLength` characters. */
export function canonicalBody(body: unknown, maxLength?: number): string | null {
  if (!body || typeof body !== 'object') return null;
  const { content, contentType } = body as { content?: unknown; contentType?: unknown };
  if (typeof content !== 'string') return null;
  const text = typeof contentType === 'string' && contentType.toLowerCase() === 'html' ? htmlToText(content) : content;
  return canonicalPlainText(text, maxLength);
}

/** Canonical plain text → the itemBody we write (text: Outlook renders it, Graph returns it as HTML). */
export function textBody(value: Canonical): { contentType: 'text'; content: string } {
  return { contentType: 'text', content: typeof value === 'string' ? value : '' };
}

// ---------------------------------------------------------------- numbers, instants, dates

/** A choice/option value as Dataverse returns it (a number; webhook images may give numeric strings). */
export function asInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * An instant as Dataverse rows carry it: an ISO string with Z/offset, or a Date (dynamics-web-api turns
 * ISO strings into Dates). Strings without a zone are not instants here (Date.parse would read them in
 * the process's local zone).
 */
export function instantMs(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value !== 'string' || !ISO_INSTANT.test(value.trim())) return undefined;
  const ms = Date.parse(value.trim());
  return Number.isNaN(ms) ? undefined : ms;
}

/** Canonical instant: ISO UTC to the second, e.g. 2024-03-10T06:30:00Z. */
export function formatInstant(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function canonicalInstant(value: unknown): string | null {
  const ms = instantMs(value);
  return ms === undefined ? null : formatInstant(ms);
}

/** Canonical instant → ms (throws on a value that is not one: a bug upstream, not data). */
export function msOf(value: Canonical): number {
  const ms = typeof value === 'string' ? instantMs(value) : undefined;
  if (ms === undefined) throw new TypeError(`Not a canonical instant: ${JSON.stringify(value)}`);
  return ms;
}

const DAY_MS = 86_400_000;

/**
 * A date-only value → 'YYYY-MM-DD'. Dataverse DateOnly columns give 'YYYY-MM-DD'; webhook images and
 * Graph's birthday give an instant, which is rounded to the nearest UTC midnight (Outlook stores a
 * birthday at some time of its day: 00:00Z, 11:59Z, or the local midnight of the client that set it).
 */
export function canonicalDateOnly(value: unknown): string | null {
  if (typeof value === 'string' && parseDate(value.trim())) return value.trim();
  const ms = instantMs(value);
  if (ms === undefined) return null;
  return new Date(Math.floor((ms + DAY_MS / 2) / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

export function isCanonicalDate(value: Canonical): value is string {
  return typeof value === 'string' && parseDate(value) !== undefined;
}

// ---------------------------------------------------------------- field builders

interface FieldOptions {
  direction?: SyncDirection;
  /** Dynamics' table leaves the direction of a few fields fixed. */
  settable?: boolean;
}

interface TextFieldOptions extends FieldOptions {
  /** What "no value" is written as in Graph: null clears a contact property; a title/subject gets ''. */
  graphEmpty?: '' | null;
}

/** A Dataverse text column ↔ a top-level Graph string property. */
export function textField(name: string, crmColumn: string, graphProperty: string, maxLength: number, options: TextFieldOptions = {}): FieldMapping {
  const graphEmpty = options.graphEmpty ?? null;
  return {
    name,
    crmColumns: [crmColumn],
    graphProperties: [graphProperty],
    defaultDirection: options.direction ?? 'twoWay',
    settable: options.settable ?? true,
    fromCrm: (row) => canonicalText(row[crmColumn], maxLength),
    fromGraph: (item) => canonicalText(item[graphProperty], maxLength),
    toCrm: (value) => ({ [crmColumn]: canonicalText(value, maxLength) }),
    toGraph: (value) => ({ [graphProperty]: canonicalText(value, maxLength) ?? graphEmpty }),
  };
}

/**
 * Notes: a Dataverse Memo column (plain text) ↔ Graph's body. Canonical: normalised plain text. We write
 * text bodies; once Outlook has edited an HTML body, a CRM-side change replaces its formatting (as
 * Dynamics' own sync does: "Customer engagement apps can only contain multiple lines of text").
 */
export function bodyField(name: string, crmColumn: string, graphProperty: string, maxLength: number, options: FieldOptions = {}): FieldMapping {
  return {
    name,
    crmColumns: [crmColumn],
    graphProperties: [graphProperty],
    defaultDirection: options.direction ?? 'twoWay',
    settable: options.settable ?? true,
    fromCrm: (row) => canonicalPlainText(row[crmColumn], maxLength),
    fromGraph: (item) => canonicalBody(item[graphProperty], maxLength),
    toCrm: (value) => ({ [crmColumn]: canonicalPlainText(value, maxLength) }),
    toGraph: (value) => ({ [graphProperty]: textBody(canonicalPlainText(value, maxLength)) }),
  };
}

/** Importance words in prioritycode order: 0 Low, 1 Normal, 2 High. */
export const IMPORTANCE = ['low', 'normal', 'high'] as const;
export type Importance = (typeof IMPORTANCE)[number];

function importanceOf(value: unknown): Importance {
  if (typeof value === 'string') {
    const word = value.toLowerCase();
    if ((IMPORTANCE as readonly string[]).includes(word)) return word as Importance;
  }
  return 'normal';
}

/**
 * Priority (prioritycode) ↔ Importance; fixed two-way in Dynamics' table. Canonical: 'low' | 'normal' |
 * 'high'; an absent value is 'normal' on both sides (Graph always reports an importance, and Normal is
 * Dataverse's default), so an unset CRM priority does not look like a change.
 */
export function priorityField(name = 'priority'): FieldMapping {
  return {
    name,
    crmColumns: ['prioritycode'],
    graphProperties: ['importance'],
    defaultDirection: 'twoWay',
    settable: false,
    fromCrm: (row) => IMPORTANCE[asInteger(row.prioritycode) ?? 1] ?? 'normal',
    fromGraph: (item) => importanceOf(item.importance),
    toCrm: (value) => ({ prioritycode: IMPORTANCE.indexOf(importanceOf(value)) }),
    toGraph: (value) => ({ importance: importanceOf(value) }),
  };
}
