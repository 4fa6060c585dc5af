/**
 * `POST /api/data/v9.2/$batch` (execute-batch-operations-using-web-api.md; fixtures batch-response*.json):
 * a multipart/mixed body of requests and change sets, run in order through the same routes as direct calls.
 * - A change set is one transaction: the first failing request rolls back the whole set, whose response is then
 *   that single error; its after-commit operations are only published when it commits. GETs may not be in one.
 * - `Content-ID: n` lets later requests in the change set use `$n` (URL prefix or `@odata.bind` value) for the
 *   entity the request created; an undeclared reference fails with 400.
 * - Without `Prefer: odata.continue-on-error` the first failure stops the batch and the status is 400; with it the
 *   status is 200 and every part has its own status.
 * - At most 1000 requests; no nested change sets.
 * Responses are CRLF multipart with `batchresponse_`/`changesetresponse_` boundaries, as dynamics-web-api parses.
 */
import { STATUS_CODES } from 'node:http';
import type { EmulatorRequest, EmulatorResponse, EmulatorServer } from '../common/server';
import { dataverseError, queryError } from './errors';
import { newGuid } from './ids';
import type { Call } from './web-api';
import { jsonResponse } from './web-api';
import { API_PATH, batchScope } from './scope';
import type { RowStore } from './store';

const MAX_REQUESTS = 1000;
const CRLF = '\r\n';

interface Part {
  headers: Record<string, string>;
  body: string;
}

interface InnerRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

type Item = { kind: 'request'; request: InnerRequest } | { kind: 'changeset'; requests: InnerRequest[] };

function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /boundary="?([^";]+)"?/i.exec(contentType ?? '');
  return m?.[1];
}

function splitHeaders(text: string): Part {
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const body = m ? text.slice(m.index + m[0].length) : '';
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function parseMultipart(body: string, boundary: string): Part[] {
  const chunks = body.split(`--${boundary}`);
  const parts: Part[] = [];
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith('--')) break;
    parts.push(splitHeaders(chunk.replace(/^\r?\n/, '')));
  }
  return parts;
}

function parseHttp(part: Part): InnerRequest {
  const text = part.body.replace(/^(\r?\n)+/, '');
  const lineEnd = /\r?\n/.exec(text);
  const requestLine = lineEnd ? text.slice(0, lineEnd.index) : text;
  const m = /^([A-Z]+)\s+(\S+)(\s+HTTP\/\d\.\d)?$/.exec(requestLine.trim());
  if (!m) throw queryError(`The batch request line '${requestLine}' is not valid.`);
  const rest = splitHeaders(lineEnd ? text.slice(lineEnd.index + lineEnd[0].length) : '');
  return {
    method: m[1]!, url: m[2]!, headers: rest.headers, body: rest.body.replace(/(\r?\n)+$/, ''),
    ...(part.headers['content-id'] ? { contentId: part.headers['content-id'] } : {}),
  };
}

function parseBatch(body: string, boundary: string): Item[] {
  const items: Item[] = [];
  for (const part of parseMultipart(body, boundary)) {
    const type = part.headers['content-type'] ?? '';
    if (type.toLowerCase().startsWith('multipart/mixed')) {
      const inner = boundaryOf(type);
      if (!inner) throw queryError('A change set has no boundary.');
      const requests = parseMultipart(part.body, inner).map((p) => {
        if ((p.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/')) throw queryError('Change sets cannot be nested.');
        return parseHttp(p);
      });
      items.push({ kind: 'changeset', requests });
    } else {
      items.push({ kind: 'request', request: parseHttp(part) });
    }
  }
  return items;
}

class ChangeSetFailed extends Error {
  constructor(readonly response: EmulatorResponse) { super('change set failed'); }
}

function renderResponse(response: EmulatorResponse, contentId?: string): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (contentId) lines.push(`Content-ID: ${contentId}`);
  lines.push('', `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`);
  const headers = { ...(response.headers ?? {}) } as Record<string, string>;
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${Array.isArray(value) ? value.join(', ') : value}`);
  let body = '';
  if (typeof response.body === 'string') body = response.body;
  else if (response.body !== undefined && response.body !== null) body = JSON.stringify(response.body);
  return `${lines.join(CRLF)}${CRLF}${CRLF}${body}${CRLF}`;
}

export class BatchHandler {
  constructor(private readonly server: EmulatorServer, private readonly store: RowStore, private readonly orgUrl: () => string) {}

  private resolveUrl(raw: string, contentIds: Map<string, string>): URL {
    const ref = /^\$(\w+)(.*)$/.exec(raw);
    if (ref) {
      const target = contentIds.get(ref[1]!);
      if (!target) throw dataverseError(400, '0x80060888', `Content-ID Reference: '$${ref[1]}' does not exist in the batch context.`);
      return new URL(`${target}${ref[2]}`);
    }
    if (/^https?:\/\//i.test(raw)) return new URL(raw);
    if (raw.startsWith('/')) return new URL(raw, this.orgUrl());
    return new URL(`${API_PATH}/${raw}`, this.orgUrl());
  }

  /** `"x@odata.bind": "$1"` → the URL of the entity created by Content-ID 1. */
  private resolveBody(body: string, contentIds: Map<string, string>): string {
    if (!/"\$\w+"/.test(body)) return body;
    let json: unknown;
    try { json = JSON.parse(body); } catch { return body; }
    const visit = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(visit);
      if (!value || typeof value !== 'object') return value;
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => {
        if (k.endsWith('@odata.bind') && typeof v === 'string' && v.startsWith('$')) {
          const target = contentIds.get(v.slice(1));
          if (!target) throw dataverseError(400, '0x80060888', `Content-ID Reference: '${v}' does not exist in the batch context.`);
          return [k, target];
        }
        return [k, visit(v)];
      }));
    };
    return JSON.stringify(visit(json));
  }

  private async execute(outer: EmulatorRequest, inner: InnerRequest, contentIds: Map<string, string>): Promise<EmulatorResponse> {
    let url: URL;
    let body: string;
    try {
      url = this.resolveUrl(inner.url, contentIds);
      body = this.resolveBody(inner.body, contentIds);
    } catch (error) {
      const e = error as { status?: number; body?: unknown };
      return jsonResponse(e.status ?? 400, e.body);
    }
    const buffer = Buffer.from(body, 'utf8');
    const request: Omit<EmulatorRequest, 'params'> = {
      method: inner.method,
      path: url.pathname,
      url,
      query: url.searchParams,
      headers: { ...inner.headers },
      body: buffer,
      raw: outer.raw,
      json<T>(): T { return JSON.parse(body || 'null') as T; },
    };
    const response = await this.server.dispatch(request);
    if (response === 'drop') return jsonResponse(500, { error: { code: '0x80040216', message: 'An unexpected error occurred.' } });
    const headers = { ...(response.headers ?? {}) } as Record<string, string>;
    if (headers['OData-EntityId'] && response.status < 300 && inner.method === 'POST') headers.Location = headers['OData-EntityId'];
    return { ...response, headers };
  }

  async handle(call: Call): Promise<EmulatorResponse> {
    const { req, prefs } = call;
    const boundary = boundaryOf(String(req.headers['content-type'] ?? ''));
    if (!String(req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/mixed') || !boundary) {
      throw dataverseError(400, '0x80060888', "The batch request must have a 'Content-Type' header of 'multipart/mixed' with a boundary.");
    }
    const items = parseBatch(req.body.toString('utf8'), boundary);
    const total = items.reduce((n, i) => n + (i.kind === 'request' ? 1 : i.requests.length), 0);
    if (total > MAX_REQUESTS) throw dataverseError(400, '0x80060888', `The number of requests in a batch exceeds the limit of ${MAX_REQUESTS}.`);

    const responseBoundary = `batchresponse_${newGuid()}`;
    const parts: string[] = [];
    let failed = false;
    await batchScope.run({ caller: call.caller, correlationId: call.request.correlationId }, async () => {
      for (const item of items) {
        if (item.kind === 'request') {
          const response = await this.execute(req, item.request, new Map());
          parts.push(renderResponse(response));
          if (response.status >= 400) failed = true;
        } else {
          const result = await this.changeSet(req, item.requests);
          parts.push(result.text);
          if (result.failed) failed = true;
        }
        if (failed && !prefs.continueOnError) break;
      }
    });
    const body = `${parts.map((p) => `--${responseBoundary}${CRLF}${p}`).join('')}--${responseBoundary}--${CRLF}`;
    return {
      status: failed && !prefs.continueOnError ? 400 : 200,
      headers: { 'Content-Type': `multipart/mixed; boundary=${responseBoundary}`, 'OData-Version': '4.0' },
      body,
    };
  }

  private async changeSet(outer: EmulatorRequest, requests: InnerRequest[]): Promise<{ text: string; failed: boolean }> {
    const contentIds = new Map<string, string>();
    const responses: Array<{ response: EmulatorResponse; contentId?: string }> = [];
    try {
      await this.store.transaction(async () => {
        for (const request of requests) {
          if (request.method === 'GET') {
            throw new ChangeSetFailed(jsonResponse(400, { error: { code: '0x80060888', message: 'GET requests are not allowed in a change set.' } }));
          }
          const response = await this.execute(outer, request, contentIds);
          if (response.status >= 400) throw new ChangeSetFailed(response);
          const entity = (response.headers as Record<string, string> | undefined)?.['OData-EntityId'];
          if (request.contentId && entity) contentIds.set(request.contentId, entity);
          responses.push({ response, ...(request.contentId ? { contentId: request.contentId } : {}) });
        }
      });
    } catch (error) {
      if (error instanceof ChangeSetFailed) return { text: renderResponse(error.response), failed: true };
      throw error;
    }
    const boundary = `changesetresponse_${newGuid()}`;
    const inner = responses.map(({ response, contentId }) => `--${boundary}${CRLF}${renderResponse(response, contentId)}`).join('');
    return { text: `Content-Type: multipart/mixed; boundary=${boundary}${CRLF}${CRLF}${inner}--${boundary}--${CRLF}`, failed: false };
  }
}

