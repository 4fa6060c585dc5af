/**
 * For the log scan: every bearer token the sandbox saw (the Authorization header of each request an emulator
 * got — the app's tokens and the people's — and each access_token the identity emulator issued), and a search
 * of log lines for secret or personal values, in the forms a log could carry them (as is, URL-encoded,
 * JSON-escaped). A leak is reported with the value masked, so the failure does not spread it further.
 */
import type { EmulatorServer } from '../emulators/common/server';

/** Wraps the server's dispatch (the one door every request, $batch parts included, goes through). */
export function captureBearerTokens(server: EmulatorServer, sink: Set<string>): void {
  const dispatch = server.dispatch.bind(server);
  server.dispatch = async (req, options) => {
    const auth = req.headers.authorization;
    const bearer = /^Bearer\s+(\S+)/i.exec(Array.isArray(auth) ? auth[0] ?? '' : auth ?? '');
    if (bearer) sink.add(bearer[1]!);
    const res = await dispatch(req, options);
    const issued = res !== 'drop' ? (res.body as { access_token?: unknown } | undefined)?.access_token : undefined;
    if (typeof issued === 'string') sink.add(issued);
    return res;
  };
}

export interface Needle {
  /** What the value is (e.g. "client secret of sync"), printed instead of the value. */
  what: string;
  value: string;
}

export interface Leak {
  what: string;
  line: string;
}

function forms(value: string): string[] {
  return [...new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)])];
}

/** Every line holding a needle, the needle masked. */
export function findLeaks(lines: string[], needles: Needle[]): Leak[] {
  const leaks: Leak[] = [];
  for (const line of lines) {
    for (const needle of needles) {
      const hit = forms(needle.value).find((f) => line.includes(f));
      if (hit) leaks.push({ what: needle.what, line: line.split(hit).join(`<${needle.what}>`).slice(0, 400) });
    }
  }
  return leaks;
}

/** Anything shaped like a JWT (or one of its base64url JSON segments). */
export function findJwtLike(lines: string[]): Leak[] {
  return lines.filter((l) => /eyJ[A-Za-z0-9_-]{8,}/.test(l)).map((l) => ({ what: 'JWT-like string', line: l.replace(/eyJ[A-Za-z0-9_.-]+/g, '<jwt>').slice(0, 400) }));
}
