/**
 * Stands in for `@azure/functions-core`, the module the real Node worker injects into the app's process.
 * `@azure/functions` only calls `setProgrammingModel`, `registerFunction`, `registerHook` and `log` on it; with
 * this module present the library leaves "test mode" and hands us every registration (metadata + the user's
 * own handler) and its ProgrammingModel, which invoke.ts then drives exactly as the worker does.
 */
import Module from 'node:module';
import path from 'node:path';
import type { FunctionCallback, FunctionMetadata, HookCallback, LogCategory, LogLevel, ProgrammingModel } from './rpc';

export interface RegisteredFunction {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

export interface Registry {
  functions: RegisteredFunction[];
  hooks: Record<string, HookCallback[]>;
  programmingModel?: ProgrammingModel;
  /** Like the worker: functions may only be registered while the app loads. */
  startupDone: boolean;
  systemLog(level: LogLevel, category: LogCategory, message: string): void;
}

export function createRegistry(systemLog: Registry['systemLog']): Registry {
  return { functions: [], hooks: {}, startupDone: false, systemLog };
}

const FAKE_ID = '@azure/functions-core';
const FAKE_PATH = path.join(__dirname, '__azure-functions-core__.js');
/** The library caches the core module on first use, so the module delegates to whichever registry is current. */
let current: Registry | undefined;

function registry(): Registry {
  if (!current) throw new Error('The local host fake @azure/functions-core has no active registry.');
  return current;
}

const fakeCore = {
  setProgrammingModel(model: ProgrammingModel): void {
    registry().programmingModel = model;
  },
  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): { dispose(): void } {
    const reg = registry();
    if (reg.startupDone) throw new Error('A function can only be registered during app startup.');
    if (reg.functions.some((f) => f.metadata.name.toLowerCase() === metadata.name.toLowerCase())) {
      throw new Error(`A function named "${metadata.name}" is already registered.`);
    }
    const entry = { metadata, callback };
    reg.functions.push(entry);
    return { dispose: () => { reg.functions = reg.functions.filter((f) => f !== entry); } };
  },
  registerHook(hookName: string, callback: HookCallback): { dispose(): void } {
    const hooks = (registry().hooks[hookName] ??= []);
    hooks.push(callback);
    return { dispose: () => { const i = hooks.indexOf(callback); if (i >= 0) hooks.splice(i, 1); } };
  },
  log(level: LogLevel, category: LogCategory, message: string): void {
    current?.systemLog(level, category, message);
  },
};

type ResolveFilename = (request: string, ...rest: unknown[]) => string;

/**
 * Makes `require('@azure/functions-core')` return the fake, from any module: `_resolveFilename` maps the id to a
 * path nothing exists at, and `require.cache` already holds a loaded module for that path. Must run before
 * `@azure/functions` is first used (it caches the lookup, and a miss means "test mode").
 */
export function installFakeCore(target: Registry): void {
  current = target;
  if (require.cache[FAKE_PATH]) return;
  const internals = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = internals._resolveFilename;
  internals._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === FAKE_ID ? FAKE_PATH : original.call(this, request, ...rest);
  };
  const fake = new Module(FAKE_PATH);
  fake.filename = FAKE_PATH;
  fake.exports = fakeCore;
  fake.loaded = true;
  require.cache[FAKE_PATH] = fake;
}
