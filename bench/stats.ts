/** Small arithmetic over samples and counter maps. */

export type CountMap = Record<string, number>;

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export function max(samples: readonly number[]): number {
  return samples.length === 0 ? Number.NaN : Math.max(...samples);
}

export function mean(samples: readonly number[]): number {
  return samples.length === 0 ? Number.NaN : samples.reduce((a, b) => a + b, 0) / samples.length;
}

export function summary(samples: readonly number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  return { n: samples.length, p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99), max: percentile(samples, 100) };
}

/** after − before, keeping only keys that moved. */
export function diff(after: CountMap, before: CountMap): CountMap {
  const out: CountMap = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

export function add(a: CountMap, b: CountMap, factor = 1): CountMap {
  const out: CountMap = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v * factor;
  for (const k of Object.keys(out)) if (Math.abs(out[k]!) < 1e-9) delete out[k];
  return out;
}

export function total(m: CountMap, filter: (key: string) => boolean = () => true): number {
  return Object.entries(m).filter(([k]) => filter(k)).reduce((n, [, v]) => n + v, 0);
}

/** Per key, the median over samples (keys missing from a sample count as 0); keys whose median is 0 dropped. */
export function medianByKey(samples: readonly CountMap[]): CountMap {
  const keys = new Set(samples.flatMap((s) => Object.keys(s)));
  const out: CountMap = {};
  for (const k of keys) {
    const m = median(samples.map((s) => s[k] ?? 0));
    if (m !== 0) out[k] = m;
  }
  return out;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
