/**
 * The parts of a request around the body: methods, query strings, headers, and near misses of a secret
 * (one character changed, cut, doubled, case flipped, padded) — the values an attacker or a broken client
 * sends most, and the ones a non-constant-time or sloppy comparison would let through.
 */
import fc from 'fast-check';

/** Methods fetch can send (it refuses CONNECT, TRACE, TRACK). */
export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** The route's own method most of the time, any other now and then. */
export function methodArb(own: string[]): fc.Arbitrary<string> {
  return fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...own) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) });
}

/** Header values fetch accepts: printable ASCII (it trims surrounding blanks and refuses CR/LF). */
export const headerValue = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
  fc.constantFrom('', 'null', 'undefined', 'true', '0', '-1', '999999999999999999999', '../../etc/passwd', '%00', '\'; DROP TABLE x; --', 'a'.repeat(4000)),
);

export const contentTypeArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  { weight: 3, arbitrary: fc.constantFrom('text/plain', 'APPLICATION/JSON', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'json', '*/*', 'text/html; charset=utf-16') },
  { weight: 1, arbitrary: headerValue },
);

/** A secret's near misses (never the secret itself). */
export function nearMiss(secret: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.nat({ max: Math.max(0, secret.length - 1) }).chain((i) => fc.constantFrom(...'AZaz09-_=+/.'.split('')).map((ch) => secret.slice(0, i) + ch + secret.slice(i + 1))),
    fc.nat({ max: Math.max(0, secret.length - 1) }).map((n) => secret.slice(0, n)),
    fc.constantFrom(secret + secret, `${secret}x`, `x${secret}`, secret.toUpperCase(), secret.toLowerCase(), ` ${secret}0`, `${secret}\u0020x`, secret.split('').reverse().join('')),
    headerValue,
  ).filter((s) => s !== secret);
}

/** Extra query parameters: random names and values, repeated names, and our own names with odd values. */
export function extraQuery(names: string[] = []): fc.Arbitrary<Array<[string, string]>> {
  const name = fc.oneof(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }), fc.constantFrom('code', '$filter', 'api-version', 'validationToken', 'actStatus', ...names));
  const value = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom('', '%', '&', '=', 'null', '<script>alert(1)</script>'));
  return fc.array(fc.tuple(name, value), { maxLength: 3 });
}

/** Extra headers: any name we read, plus random x- ones. */
export function extraHeaders(names: string[] = []): fc.Arbitrary<Record<string, string>> {
  const name = fc.oneof(
    fc.stringMatching(/^x-[a-z0-9-]{1,16}$/),
    fc.constantFrom('accept', 'accept-encoding', 'content-encoding', 'traceparent', 'x-ms-correlation-request-id', 'x-forwarded-for', 'cookie', 'origin', ...names),
  );
  return fc.dictionary(name, headerValue, { maxKeys: 3 });
}
