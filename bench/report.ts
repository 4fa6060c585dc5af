/**
 * Figures, each with its target and verdict, printed as a table and written as JSON
 * (bench/results/<date>.json) together with each scenario's details and the machine.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Figure {
  scenario: string;
  name: string;
  value: number | string | null;
  unit?: string;
  /** e.g. "≤ 50 ms"; absent for figures reported for information. */
  target?: string;
  pass?: boolean;
  note?: string;
}

export interface ScenarioResult {
  scenario: string;
  durationMs: number;
  figures: Figure[];
  details: unknown;
}

export function figure(scenario: string, name: string, value: number | string | null, unit?: string, check?: { target: string; pass: boolean }, note?: string): Figure {
  return { scenario, name, value: typeof value === 'number' && !Number.isFinite(value) ? null : value, ...(unit ? { unit } : {}), ...(check ?? {}), ...(note ? { note } : {}) };
}

function show(value: Figure['value'], unit?: string): string {
  if (value === null) return 'n/a';
  const text = typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2)) : value;
  return unit ? `${text} ${unit}` : text;
}

export function renderTable(figures: Figure[]): string {
  const rows = figures.map((f) => [f.scenario, f.name, show(f.value, f.unit), f.target ?? '', f.pass === undefined ? '' : f.pass ? 'pass' : 'FAIL']);
  const header = ['scenario', 'figure', 'value', 'target', 'result'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Writes bench/results/<date>T<time>[-quick].json (a quick run never overwrites a full one). */
export function writeResults(dir: string, payload: Record<string, unknown>, suffix = ''): string {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
  const file = path.join(dir, `${stamp}${suffix}.json`);
  fs.writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
  return file;
}
