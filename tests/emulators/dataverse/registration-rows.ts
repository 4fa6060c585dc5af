/**
 * How this feature reads the lookup cells of stored rows. The store keeps lookups as `{ id, logicalName }`
 * (context.ts, Row); reading also accepts a bare GUID (allowed in seed rows and `putRow`) and the Web API's
 * `_x_value` form, so that only this file knows about lookup shapes.
 */
import type { Row } from './context';
import { columnValue } from './remote-execution-context-values';

/** The GUID a lookup column points to, whatever the stored shape; undefined when empty. */
export function lookupId(row: Row, column: string): string | undefined {
  const value = columnValue(row, column);
  if (typeof value === 'string' && value) return value.toLowerCase();
  if (value && typeof value === 'object') {
    const id = (value as Record<string, unknown>).id ?? (value as Record<string, unknown>).Id;
    if (typeof id === 'string') return id.toLowerCase();
  }
  return undefined;
}

/** A plain string cell, or undefined. */
export function text(row: Row, column: string): string | undefined {
  const value = row[column];
  return typeof value === 'string' ? value : undefined;
}

/** A number cell (stored as a number, or an OptionSetValue-like object), or undefined. */
export function num(row: Row, column: string): number | undefined {
  const value = row[column];
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (value && typeof value === 'object' && typeof (value as { Value?: unknown }).Value === 'number') return (value as { Value: number }).Value;
  return undefined;
}
