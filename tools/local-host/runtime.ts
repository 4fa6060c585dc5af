/**
 * What every part of a running local host shares: the captured app, host.json settings, queue clients, the
 * in-flight invocations (for graceful shutdown) and the log.
 */
import type { Registry } from './fake-core';
import type { HostSettings } from './host-json';
import type { QueueHub } from './queues';
import type { LogLevel, ProgrammingModel } from './rpc';
import type { InFlight } from './wakeable';

export interface HostRuntime {
  registry: Registry;
  model: ProgrammingModel;
  settings: HostSettings;
  queues: QueueHub;
  inFlight: InFlight;
  /** Shared by all hooks of the app (the worker's `appHookData`). */
  appHookData: Record<string, unknown>;
  /** Shared by appStart and appTerminate only (the worker's `appLevelOnlyHookData`). */
  appLevelHookData: Record<string, unknown>;
  stopping: boolean;
  /** One line, prefixed with `[ISO time]` like `func start`'s console output. */
  log(message: string): void;
}

export function timestampedLog(write: (line: string) => void): (message: string) => void {
  return (message) => write(`[${new Date().toISOString()}] ${message}`);
}

/** Information and above is shown (host.json's default log level). */
export function shouldShow(level: LogLevel): boolean {
  return level === 'information' || level === 'warning' || level === 'error' || level === 'critical';
}

export async function runHooks(rt: HostRuntime, hookName: string, context: object): Promise<void> {
  for (const hook of [...(rt.registry.hooks[hookName] ?? [])]) await hook(context);
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.stack ?? `${error.name}: ${error.message}` : String(error);
}
