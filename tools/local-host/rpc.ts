/**
 * The slice of the worker ⇄ library contract (`@azure/functions-core`; its types live in the worker repo and are
 * not published) that the local host needs. The library speaks "RPC typed data" in both directions, so the host
 * builds inputs in that shape, as the real host does, and reads the outputs back from it.
 */

export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  stream?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
}

export interface RpcNullable<T> { value?: T | null }

export interface RpcHttpCookie {
  name?: string;
  value?: string;
  domain?: RpcNullable<string>;
  path?: RpcNullable<string>;
  expires?: RpcNullable<{ seconds?: number }>;
  secure?: RpcNullable<boolean>;
  httpOnly?: RpcNullable<boolean>;
  sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone';
  maxAge?: RpcNullable<number>;
}

export interface RpcHttpData {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  body?: RpcTypedData;
  statusCode?: string;
  cookies?: RpcHttpCookie[];
}

export interface RpcBindingInfo {
  type?: string;
  direction?: 'in' | 'out' | 'inout';
  [property: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: unknown;
}

export interface RpcParameterBinding { name: string; data: RpcTypedData }

export interface RpcInvocationRequest {
  invocationId: string;
  functionId: string;
  inputData: RpcParameterBinding[];
  triggerMetadata?: Record<string, RpcTypedData>;
  traceContext?: { traceParent?: string; traceState?: string; attributes?: Record<string, string> };
}

export interface RpcInvocationResponse {
  invocationId: string;
  outputData?: RpcParameterBinding[];
  returnValue?: RpcTypedData | null;
}

export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
export type LogCategory = 'user' | 'system' | 'customMetric';

export interface CoreInvocationContext {
  invocationId: string;
  request: RpcInvocationRequest;
  metadata: FunctionMetadata;
  state?: 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';
  log(level: LogLevel, category: LogCategory, message: string): void;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(context: CoreInvocationContext): InvocationModel | Promise<InvocationModel>;
  getCapabilities(capabilities: Record<string, string>): Record<string, string> | Promise<Record<string, string>>;
}

export type FunctionCallback = (...args: unknown[]) => unknown;
export type HookCallback = (context: object) => unknown;

export function isTriggerType(type: string | undefined): boolean {
  return !!type && /trigger$/i.test(type);
}

/** JSON-encodes a value as the host hands it to the worker. */
export function jsonData(value: unknown): RpcTypedData {
  return { json: JSON.stringify(value) };
}

/** Reads output typed data back into a JS value (strings stay strings: the library never JSON-encodes them). */
export function fromTypedData(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (data.string != null) return data.string;
  if (data.json != null) return JSON.parse(data.json);
  if (data.bytes != null) return Buffer.from(data.bytes);
  if (data.stream != null) return Buffer.from(data.stream);
  if (data.int != null) return data.int;
  if (data.double != null) return data.double;
  return undefined;
}
