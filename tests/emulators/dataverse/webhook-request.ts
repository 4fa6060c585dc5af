/**
 * The HTTP request Dataverse sends to a webhook service endpoint (PAD use-webhooks.md, register-web-hook.md):
 * POST of the RemoteExecutionContext as DataContract JSON; the `x-ms-dynamics-*` headers; authentication
 * by `?code=` (WebhookKey), headers (HttpHeader) or query parameters (HttpQueryString), the latter two
 * stored in `authvalue` as `<settings><setting name="…" value="…" /></settings>`; and the 256 KB rule:
 * over it, ParentContext, InputParameters, PreEntityImages and PostEntityImages are removed and
 * `x-ms-dynamics-msg-size-exceeded` is sent.
 */
import type { RemoteExecutionContext } from './remote-execution-context';
import type { WebhookEndpoint } from './registration-reader';
import { AUTH_TYPE } from './registration-tables';

export const DEFAULT_SIZE_LIMIT_BYTES = 256 * 1024;
/** Members removed from an oversized payload, as documented. */
export const OVERSIZE_REMOVED_MEMBERS = ['ParentContext', 'InputParameters', 'PreEntityImages', 'PostEntityImages'] as const;

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  sizeExceeded: boolean;
}

export interface WebhookRequestMeta {
  /** Domain name of the environment (x-ms-dynamics-organization). */
  organizationHost: string;
  entityName: string;
  messageName: string;
  correlationId: string;
}

/** WCF's DataContractJsonSerializer escapes every `/` (`"\/Date(…)\/"`, `"http:\/\/schemas…"`). */
export function serializeDataContract(value: unknown): string {
  return JSON.stringify(value).replace(/\//g, '\\/');
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function xmlUnescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_m, e: string) => {
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return XML_ENTITIES[e.toLowerCase()] ?? '';
  });
}

/** `<settings><setting name="k" value="v" />…</settings>` → pairs; undefined when it is not that XML. */
export function parseAuthSettings(xml: string): { name: string; value: string }[] | undefined {
  const trimmed = xml.trim();
  if (!/^<settings\s*>[\s\S]*<\/settings\s*>$/i.test(trimmed)) return undefined;
  const pairs: { name: string; value: string }[] = [];
  const setting = /<setting\s+([^>]*?)\/?>/gi;
  for (let m = setting.exec(trimmed); m; m = setting.exec(trimmed)) {
    const attrs = new Map<string, string>();
    const attr = /(\w+)\s*=\s*("([^"]*)"|'([^']*)')/g;
    for (let a = attr.exec(m[1]!); a; a = attr.exec(m[1]!)) attrs.set(a[1]!.toLowerCase(), xmlUnescape(a[3] ?? a[4] ?? ''));
    const name = attrs.get('name');
    if (!name) return undefined;
    pairs.push({ name, value: attrs.get('value') ?? '' });
  }
  return pairs.length > 0 ? pairs : undefined;
}

/** The endpoint URL with its authentication applied, and the authentication headers. */
export function authenticate(endpoint: WebhookEndpoint): { url: string; headers: Record<string, string> } {
  const url = new URL(endpoint.url);
  const headers: Record<string, string> = {};
  if (endpoint.authType === AUTH_TYPE.WebhookKey) {
    url.searchParams.set('code', endpoint.authValue);
  } else if (endpoint.authType === AUTH_TYPE.HttpQueryString) {
    for (const { name, value } of parseAuthSettings(endpoint.authValue) ?? []) url.searchParams.append(name, value);
  } else if (endpoint.authType === AUTH_TYPE.HttpHeader) {
    for (const { name, value } of parseAuthSettings(endpoint.authValue) ?? []) headers[name] = value;
  }
  return { url: url.toString(), headers };
}

export function buildWebhookRequest(
  endpoint: WebhookEndpoint, context: RemoteExecutionContext, meta: WebhookRequestMeta, sizeLimitBytes = DEFAULT_SIZE_LIMIT_BYTES,
): WebhookRequest {
  let body = Buffer.from(serializeDataContract(context), 'utf8');
  const sizeExceeded = body.length > sizeLimitBytes;
  if (sizeExceeded) {
    const trimmed: RemoteExecutionContext = { ...context };
    for (const member of OVERSIZE_REMOVED_MEMBERS) delete trimmed[member];
    body = Buffer.from(serializeDataContract(trimmed), 'utf8');
  }
  const auth = authenticate(endpoint);
  return {
    url: auth.url,
    headers: {
      ...auth.headers,
      'content-type': 'application/json',
      'x-ms-dynamics-organization': meta.organizationHost,
      'x-ms-dynamics-entity-name': meta.entityName,
      'x-ms-dynamics-request-name': meta.messageName,
      'x-ms-correlation-request-id': meta.correlationId,
      ...(sizeExceeded ? { 'x-ms-dynamics-msg-size-exceeded': 'true' } : {}),
    },
    body,
    sizeExceeded,
  };
}
