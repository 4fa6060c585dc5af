/**
 * The `Prefer` request header (compose-http-requests-handle-errors.md): return=representation,
 * odata.include-annotations="…", odata.maxpagesize=n, odata.track-changes, odata.continue-on-error.
 * Several Prefer headers arrive joined with commas; values may be quoted.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface Preferences {
  returnRepresentation: boolean;
  /** Annotation patterns (`*`, `OData.Community.Display.V1.FormattedValue`, `Microsoft.Dynamics.CRM.*`); empty = none. */
  annotations: string[];
  maxPageSize?: number;
  trackChanges: boolean;
  continueOnError: boolean;
}

function splitOutsideQuotes(text: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      items.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  items.push(current);
  return items.map((s) => s.trim()).filter(Boolean);
}

export function parsePreferences(headers: IncomingHttpHeaders): Preferences {
  const raw = headers.prefer;
  const text = Array.isArray(raw) ? raw.join(',') : raw ?? '';
  const prefs: Preferences = { returnRepresentation: false, annotations: [], trackChanges: false, continueOnError: false };
  for (const item of splitOutsideQuotes(text)) {
    const [name, ...rest] = item.split('=');
    const value = rest.join('=').trim().replace(/^"|"$/g, '');
    switch (name!.trim().toLowerCase()) {
      case 'return':
        prefs.returnRepresentation = value === 'representation';
        break;
      case 'odata.include-annotations':
        prefs.annotations = value.split(',').map((s) => s.trim()).filter(Boolean);
        break;
      case 'odata.maxpagesize': {
        const n = Number(value);
        if (Number.isInteger(n) && n > 0) prefs.maxPageSize = n;
        break;
      }
      case 'odata.track-changes':
        prefs.trackChanges = true;
        break;
      case 'odata.continue-on-error':
        prefs.continueOnError = true;
        break;
      default:
        break;
    }
  }
  return prefs;
}

/** Whether an annotation term (e.g. `OData.Community.Display.V1.FormattedValue`) was asked for. */
export function wantsAnnotation(prefs: Preferences, term: string): boolean {
  let wanted = false;
  for (const pattern of prefs.annotations) {
    const negate = pattern.startsWith('-');
    const p = negate ? pattern.slice(1) : pattern;
    const matches = p === '*' || p === term || (p.endsWith('.*') && term.startsWith(p.slice(0, -1)));
    if (matches) wanted = !negate;
  }
  return wanted;
}

export const FORMATTED_VALUE = 'OData.Community.Display.V1.FormattedValue';
export const LOOKUP_LOGICAL_NAME = 'Microsoft.Dynamics.CRM.lookuplogicalname';
export const ASSOCIATED_NAVIGATION_PROPERTY = 'Microsoft.Dynamics.CRM.associatednavigationproperty';
