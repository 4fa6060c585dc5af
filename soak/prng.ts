/**
 * The soak's only source of randomness: a seeded PRNG (mulberry32), so that a run's choices — which
 * operation, on which record, with which value, which fault when — are fixed by its seed. Each concern
 * draws from its own stream (`fork`), so that adding a draw in one (say, a new field's value) does not
 * shift every choice of the others. Timing still differs between runs (what had synced when), so a seed
 * reproduces the plan and the choices, not every interleaving.
 */
import { createHash } from 'node:crypto';

export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max] (both included). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick() from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** One key, with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as Array<[K, number]>;
    const total = entries.reduce((n, [, w]) => n + w, 0);
    let x = this.next() * total;
    for (const [key, w] of entries) {
      x -= w;
      if (x < 0) return key;
    }
    return entries[entries.length - 1]![0];
  }

  /** An independent stream derived from this seed and a label. */
  fork(label: string): Rng {
    const digest = createHash('sha256').update(`${this.seed}:${label}`).digest();
    return new Rng(digest.readUInt32LE(0));
  }
}

/** A fresh 32-bit seed for a run that was not given one (printed, so the run can be repeated). */
export function randomSeed(): number {
  return createHash('sha256').update(`${Date.now()}:${process.pid}:${Math.random()}`).digest().readUInt32LE(0);
}
