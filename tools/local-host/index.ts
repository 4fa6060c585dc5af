/**
 * The local Functions host: runs the app's own registered functions (HTTP, storage-queue and timer triggers,
 * queue output bindings, app and invocation hooks) with the real host's semantics, where Azure Functions Core
 * Tools cannot be installed. A development tool; production runs on Azure Functions.
 *
 *   const host = await startLocalHost({ port: 0 });   // { url, functions, keys, stop() }
 */
import path from 'node:path';
import type { RegisteredFunction } from './fake-core';
import { readHostJson } from './host-json';
import { startHttpListener, type HttpListener } from './http-listener';
import { resolveKeys, type HostKeys } from './keys';
import { entryFiles, loadApp } from './load-app';
import { startQueueListener, type QueueListener } from './queue-listener';
import { QueueHub } from './queues';
import { isTriggerType } from './rpc';
import { describeError, runHooks, timestampedLog, type HostRuntime } from './runtime';
import { loadLocalSettings, resolveBindings } from './settings';
import { startTimerListener, type TimerListener } from './timer-listener';
import { InFlight } from './wakeable';

export interface LocalHostOptions {
  /** Folder holding package.json, host.json and local.settings.json (default: the current directory). */
  appRoot?: string;
  /** Entry glob, relative to the current directory (default: package.json `main`, relative to appRoot). */
  app?: string;
  /** host.json to use instead of `<appRoot>/host.json`. */
  hostJson?: string;
  /** Default: FUNCTIONS_HTTP_PORT, local.settings.json Host.LocalHttpPort, 7071. 0 picks a free port. */
  port?: number;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Default: LOCAL_HOST_KEYS (JSON of the same shape); with neither, random keys are generated and printed. */
  keys?: Partial<HostKeys>;
  /** How long stop() waits for running invocations (default 30 s). */
  shutdownTimeoutMs?: number;
  /** Where log lines go (default stdout). */
  write?: (line: string) => void;
}

export interface FunctionInfo {
  name: string;
  trigger: string;
  url?: string;
  methods?: string[];
  queueName?: string;
  schedule?: string;
}

export interface RunningLocalHost {
  url: string;
  functions: FunctionInfo[];
  keys: HostKeys;
  stop(): Promise<void>;
}

function triggerType(fn: RegisteredFunction): string {
  return Object.values(fn.metadata.bindings).find((b) => isTriggerType(b.type))?.type ?? 'unknown';
}

export async function startLocalHost(options: LocalHostOptions = {}): Promise<RunningLocalHost> {
  const write = options.write ?? ((line: string) => { process.stdout.write(`${line}\n`); });
  const log = timestampedLog(write);
  const appRoot = path.resolve(options.appRoot ?? process.cwd());
  const local = loadLocalSettings(appRoot);
  if (local.file) log(`Loaded settings from ${local.file}`);
  const settings = readHostJson(path.resolve(options.hostJson ?? path.join(appRoot, 'host.json')));

  const registry = loadApp(entryFiles(appRoot, options.app), (level, _category, message) => {
    if (level === 'warning' || level === 'error' || level === 'critical') log(`[worker] [${level}] ${message}`);
  });
  const model = registry.programmingModel!;
  const capabilities = await model.getCapabilities({});
  if (capabilities.HttpUri) throw new Error('HTTP streaming (app.setup({ enableHttpStream: true })) is not supported by the local host');
  const functions = registry.functions.map((fn) => ({ ...fn, metadata: resolveBindings(fn.metadata) }));
  for (const fn of functions) {
    for (const [name, b] of Object.entries(fn.metadata.bindings)) {
      const type = b.type?.toLowerCase();
      const supported = isTriggerType(type) ? ['httptrigger', 'queuetrigger', 'timertrigger'].includes(type!) : b.direction === 'out' && (type === 'http' || type === 'queue');
      if (!supported) log(`Function '${fn.metadata.name}': binding '${name}' of type '${b.type}' is not supported by the local host and is ignored.`);
    }
  }

  const { keys, generated } = resolveKeys(options.keys);
  const rt: HostRuntime = {
    registry, model, settings, log, queues: new QueueHub(), inFlight: new InFlight(),
    appHookData: {}, appLevelHookData: {}, stopping: false,
  };
  const appContext = (extra: object = {}): object => Object.defineProperties({ ...extra }, {
    hookData: { get: () => rt.appLevelHookData },
    appHookData: { get: () => rt.appHookData },
  });
  await runHooks(rt, 'appStart', appContext({ functionAppDirectory: appRoot }));

  const byTrigger = (type: string): RegisteredFunction[] => functions.filter((fn) => triggerType(fn).toLowerCase() === type);
  // Listeners check their bindings (connection, schedule) as they start; if one cannot, the host fails as a whole.
  const timers: TimerListener[] = [];
  const queues: QueueListener[] = [];
  let http: HttpListener | undefined;
  try {
    const envPort = process.env.FUNCTIONS_HTTP_PORT ? Number(process.env.FUNCTIONS_HTTP_PORT) : undefined;
    http = await startHttpListener(rt, byTrigger('httptrigger'), {
      port: options.port ?? envPort ?? local.localHttpPort ?? 7071,
      tls: options.tls,
      keys,
    });
    for (const fn of byTrigger('queuetrigger')) queues.push(startQueueListener(rt, fn));
    for (const fn of byTrigger('timertrigger')) timers.push(startTimerListener(rt, fn));
  } catch (error) {
    rt.stopping = true;
    timers.forEach((t) => t.stop());
    queues.forEach((q) => q.abortPoll());
    await Promise.all(queues.map((q) => q.stop()));
    await http?.close();
    throw error;
  }
  const httpListener = http;

  const infos: FunctionInfo[] = functions.map((fn) => {
    const name = fn.metadata.name;
    const route = httpListener.routes.find((r) => r.fn.metadata.name === name);
    if (route) {
      const prefix = settings.routePrefix ? `/${settings.routePrefix}` : '';
      return { name, trigger: 'httpTrigger', url: `${httpListener.url}${prefix}/${route.route.template.replace(/^\/+/, '')}`, methods: route.methods };
    }
    const trigger = Object.values(fn.metadata.bindings).find((b) => isTriggerType(b.type)) ?? {};
    return {
      name,
      trigger: triggerType(fn),
      queueName: trigger.queueName === undefined ? undefined : String(trigger.queueName),
      schedule: trigger.schedule === undefined ? undefined : String(trigger.schedule),
    };
  });
  write('');
  write('Functions:');
  for (const f of infos) {
    const detail = f.url ? `[${f.methods?.join(',') ?? 'ALL'}] ${f.url}` : `${f.trigger}${f.queueName ? ` (queue '${f.queueName}')` : ''}${f.schedule ? ` (${f.schedule})` : ''}`;
    write(`        ${f.name}: ${detail}`);
  }
  if (generated) write(`No keys configured: master key ${keys.masterKey}, host key ${keys.hostKeys[0]}`);
  write('');

  let stopping: Promise<void> | undefined;
  async function stop(): Promise<void> {
    rt.stopping = true;
    log('Stopping the host: no new requests or messages; waiting for running invocations.');
    httpListener.stopAccepting();
    timers.forEach((t) => t.stop());
    const pollsEnded = Promise.all(queues.map((q) => q.stop()));
    if (!(await rt.inFlight.drain(options.shutdownTimeoutMs ?? 30_000))) {
      log(`Shutdown timeout: ${rt.inFlight.size} invocation(s) still running; their queue messages are made visible again.`);
      await Promise.all(queues.map((q) => q.abandon()));
    }
    // A poll normally ends within a request's time; one stuck on unreachable storage is cut off (a message it
    // might still have taken reappears when its processing lease expires).
    const pollGrace = setTimeout(() => queues.forEach((q) => q.abortPoll()), 2000);
    await pollsEnded;
    clearTimeout(pollGrace);
    try {
      await runHooks(rt, 'appTerminate', appContext());
    } catch (error) {
      log(`appTerminate hook failed: ${describeError(error)}`);
    }
    await httpListener.close();
    log('Host stopped.');
  }

  return { url: httpListener.url, functions: infos, keys, stop: () => (stopping ??= stop()) };
}
