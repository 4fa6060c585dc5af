/**
 * One HTTP request as the property tests generate it, sent for real to the Functions host, and the rule
 * every answer must keep: never a 5xx; a 4xx from our code says what is wrong as `{ error: { code, message } }`
 * (the host's own 401 — missing or wrong function key — and 404 — no route, wrong method — have empty
 * bodies, as on Azure).
 */
export interface HttpCase {
  method: string;
  /** Path under the host's /api, e.g. `/webhooks/dataverse`. */
  path: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  text: string;
}

export function urlOf(base: string, c: HttpCase): string {
  const query = c.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `${base}${c.path}${query ? `?${query}` : ''}`;
}

export async function send(base: string, c: HttpCase): Promise<HttpAnswer> {
  const withBody = c.body !== undefined && c.method !== 'GET' && c.method !== 'HEAD';
  const res = await fetch(urlOf(base, c), { method: c.method, headers: c.headers, body: withBody ? c.body : undefined });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** A short description of a case for failure messages (bodies cut, so a failing case stays readable). */
export function describe(c: HttpCase, a?: HttpAnswer): string {
  const body = c.body === undefined ? '' : typeof c.body === 'string' ? c.body : `<${c.body.length} bytes>`;
  const cut = (s: string) => (s.length > 600 ? `${s.slice(0, 600)}…(${s.length} chars)` : s);
  return `${c.method} ${urlOf('', c)}\nheaders: ${JSON.stringify(c.headers)}\nbody: ${cut(body)}${a ? `\n→ ${a.status} ${a.contentType} ${cut(a.text)}` : ''}`;
}

/**
 * Throws (with the case) unless the answer is 2xx/4xx, and a 4xx with a body carries a clear error.
 * `plainTextErrors`: a static file's 404 may say so in plain text.
 */
export function checkAnswer(c: HttpCase, a: HttpAnswer, options: { plainTextErrors?: boolean } = {}): void {
  const fail = (why: string): never => { throw new Error(`${why}\n${describe(c, a)}`); };
  if (a.status >= 500) fail('server error for bad input');
  if (a.status < 200 || (a.status >= 300 && a.status < 400)) fail('unexpected status');
  if (a.status < 400) return;
  if (a.text === '') {
    if (a.status !== 401 && a.status !== 404) fail('a 4xx other than the host\'s 401/404 without an error body');
    return;
  }
  if (options.plainTextErrors && a.contentType.startsWith('text/plain')) return;
  let error: { code?: unknown; message?: unknown } | undefined;
  try { error = (JSON.parse(a.text) as { error?: typeof error }).error; } catch { fail('a 4xx whose body is not JSON'); }
  if (typeof error?.code !== 'string' || typeof error.message !== 'string' || error.message === '') fail('a 4xx without { error: { code, message } }');
}

/** Sends the cases at once (a small batch: the host serves them concurrently, as it would Graph's bursts). */
export async function sendBatch(base: string, cases: HttpCase[]): Promise<HttpAnswer[]> {
  return Promise.all(cases.map((c) => send(base, c)));
}
