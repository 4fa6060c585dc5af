/**
 * HTTP route templates as the Functions host (ASP.NET Core routing) reads them: literal segments, `{param}`,
 * optional `{param?}`, defaults `{param=value}`, catch-all `{*rest}`, inline constraints `{id:guid}`,
 * `{n:int:min(1)}`, `{x:regex(^a.c$)}`, and segments mixing text and parameters (`{name}.{ext}`).
 * Literals match case-insensitively; parameter values are URL-decoded.
 */

interface Param {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue?: string;
  constraints: Array<{ name: string; args: string[] }>;
}

type Segment =
  | { kind: 'catchAll'; param: Param }
  | { kind: 'param'; param: Param }
  | { kind: 'pattern'; regex: RegExp; params: Param[] };

export interface RouteTemplate {
  template: string;
  /** The parameters when `path` (the part after the route prefix) matches, else undefined. */
  match(path: string): Record<string, string> | undefined;
  /** Lower sorts first: literal segments beat constrained parameters beat parameters beat catch-alls. */
  precedence: number[];
}

const GUID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}|\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}|\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\))$/i;
const INTEGER = /^-?\d+$/;
const isNumber = (v: string): boolean => v.trim() !== '' && Number.isFinite(Number(v));

const CONSTRAINTS: Record<string, (value: string, args: number[], raw: string[]) => boolean> = {
  int: (v) => INTEGER.test(v) && Number(v) >= -2147483648 && Number(v) <= 2147483647,
  long: (v) => INTEGER.test(v),
  bool: (v) => /^(true|false)$/i.test(v),
  guid: (v) => GUID.test(v),
  alpha: (v) => /^[a-z]+$/i.test(v),
  datetime: (v) => !Number.isNaN(Date.parse(v)),
  decimal: isNumber,
  double: isNumber,
  float: isNumber,
  required: (v) => v !== '',
  min: (v, [n = 0]) => INTEGER.test(v) && Number(v) >= n,
  max: (v, [n = 0]) => INTEGER.test(v) && Number(v) <= n,
  range: (v, [a = 0, b = 0]) => INTEGER.test(v) && Number(v) >= a && Number(v) <= b,
  minlength: (v, [n = 0]) => v.length >= n,
  maxlength: (v, [n = 0]) => v.length <= n,
  length: (v, [a = 0, b]) => (b === undefined ? v.length === a : v.length >= a && v.length <= b),
  regex: (v, _args, [pattern = '']) => new RegExp(pattern, 'i').test(v),
};

/** Splits on `separator` outside parentheses (regex constraints may contain ':' or ','). */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === separator && depth === 0) { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  return parts;
}

function parseParam(text: string, template: string): Param {
  let body = text;
  const catchAll = body.startsWith('*');
  body = body.replace(/^\*{1,2}/, '');
  let defaultValue: string | undefined;
  const [beforeDefault = '', ...afterDefault] = splitTopLevel(body, '=');
  if (afterDefault.length > 0) defaultValue = afterDefault.join('=');
  body = beforeDefault;
  const optional = body.endsWith('?');
  if (optional) body = body.slice(0, -1);
  const [name = '', ...constraintTexts] = splitTopLevel(body, ':');
  if (!/^[A-Za-z_][\w]*$/.test(name)) throw new Error(`Route '${template}': bad parameter name in '{${text}}'`);
  const constraints = constraintTexts.map((c) => {
    const m = /^(\w+)(?:\((.*)\))?$/s.exec(c);
    const cname = m?.[1]?.toLowerCase() ?? '';
    if (!m || !CONSTRAINTS[cname]) throw new Error(`Route '${template}': unknown constraint '${c}' on '${name}'`);
    // ASP.NET escapes braces in regex constraints as {{ }}.
    const raw = m[2] === undefined ? [] : cname === 'regex' ? [m[2].replace(/\{\{/g, '{').replace(/\}\}/g, '}')] : m[2].split(',').map((a) => a.trim());
    return { name: cname, args: raw };
  });
  return { name, optional, catchAll, defaultValue, constraints };
}

function parseSegment(segment: string, template: string): Segment {
  const parts: Array<string | Param> = [];
  let i = 0;
  while (i < segment.length) {
    const open = segment.indexOf('{', i);
    if (open < 0) { parts.push(segment.slice(i)); break; }
    if (open > i) parts.push(segment.slice(i, open));
    let depth = 0;
    let close = -1;
    for (let j = open + 1; j < segment.length; j++) {
      const c = segment[j];
      if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (c === '}' && depth === 0) { close = j; break; }
    }
    if (close < 0) throw new Error(`Route '${template}': unclosed '{' in '${segment}'`);
    parts.push(parseParam(segment.slice(open + 1, close), template));
    i = close + 1;
  }
  const [only] = parts;
  if (parts.length === 1 && typeof only === 'object') return only.catchAll ? { kind: 'catchAll', param: only } : { kind: 'param', param: only };
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const regex = new RegExp(`^${parts.map((p) => (typeof p === 'string' ? escape(p) : '(.+?)')).join('')}$`, 'i');
  return { kind: 'pattern', regex, params: parts.filter((p): p is Param => typeof p === 'object') };
}

function satisfies(param: Param, value: string): boolean {
  return param.constraints.every((c) => CONSTRAINTS[c.name]!(value, c.args.map(Number), c.args));
}

function decode(segment: string): string {
  try { return decodeURIComponent(segment); } catch { return segment; }
}

export function compileRoute(template: string): RouteTemplate {
  const texts = template.replace(/^[~/]+|\/+$/g, '').split('/').filter((s, i, all) => s !== '' || all.length > 1);
  const segments = texts.map((s) => parseSegment(s, template));
  const catchAllAt = segments.findIndex((s) => s.kind === 'catchAll');
  if (catchAllAt >= 0 && catchAllAt !== segments.length - 1) throw new Error(`Route '${template}': a catch-all must be the last segment`);
  const precedence = segments.map((s) =>
    s.kind === 'catchAll' ? 5 : s.kind === 'param' ? (s.param.constraints.length ? 3 : 4) : s.params.length ? 2 : 1);

  function match(path: string): Record<string, string> | undefined {
    const rawSegments = path.replace(/^\/+|\/+$/g, '');
    const values = rawSegments === '' ? [] : rawSegments.split('/');
    const params: Record<string, string> = {};
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      const raw = values[i];
      if (segment.kind === 'catchAll') {
        const rest = values.slice(i).map(decode).join('/');
        const value = rest || segment.param.defaultValue;
        if (value !== undefined && value !== '') {
          if (!satisfies(segment.param, value)) return undefined;
          params[segment.param.name] = value;
        }
        return params;
      }
      if (raw === undefined) {
        // Past the end of the path: only optional parameters or ones with defaults may remain.
        if (segment.kind !== 'param' || !(segment.param.optional || segment.param.defaultValue !== undefined)) return undefined;
        if (segment.param.defaultValue !== undefined) params[segment.param.name] = segment.param.defaultValue;
        continue;
      }
      const value = decode(raw);
      if (segment.kind === 'param') {
        if (!satisfies(segment.param, value)) return undefined;
        params[segment.param.name] = value;
      } else {
        const m = segment.regex.exec(value);
        if (!m) return undefined;
        for (let p = 0; p < segment.params.length; p++) {
          const param = segment.params[p]!;
          const captured = m[p + 1] ?? '';
          if (!satisfies(param, captured)) return undefined;
          params[param.name] = captured;
        }
      }
    }
    return values.length <= segments.length ? params : undefined;
  }

  return { template, match, precedence };
}

export function comparePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  for (let i = 0; i < Math.min(a.precedence.length, b.precedence.length); i++) {
    const d = a.precedence[i]! - b.precedence[i]!;
    if (d !== 0) return d;
  }
  return b.precedence.length - a.precedence.length;
}
