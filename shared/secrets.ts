/** Secret comparison in constant time, against one or more valid values (two during a rotation). */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Hashing first makes the comparison constant-time whatever the lengths. */
export function matchesAnySecret(presented: string | null | undefined, valid: readonly string[]): boolean {
  if (!presented) return false;
  const p = createHash('sha256').update(presented).digest();
  let ok = false;
  for (const secret of valid) {
    // No early exit: every candidate is compared.
    ok = timingSafeEqual(p, createHash('sha256').update(secret).digest()) || ok;
  }
  return ok;
}
