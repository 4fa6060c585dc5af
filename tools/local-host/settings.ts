/**
 * App settings, as `func start` sees them: process.env plus local.settings.json `Values` (never overriding a
 * variable already set), `%Name%` binding expressions resolved from them, and storage connections by name.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FunctionMetadata } from './rpc';

export interface LocalSettings {
  file?: string;
  localHttpPort?: number;
}

export function loadLocalSettings(appRoot: string, env: NodeJS.ProcessEnv = process.env): LocalSettings {
  const file = path.join(appRoot, 'local.settings.json');
  if (!fs.existsSync(file)) return {};
  let json: { IsEncrypted?: boolean; Values?: Record<string, unknown>; Host?: { LocalHttpPort?: unknown } };
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof json;
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  if (json.IsEncrypted) throw new Error(`${file} is encrypted; the local host reads plain settings only`);
  for (const [name, value] of Object.entries(json.Values ?? {})) {
    if (env[name] === undefined && value !== null && value !== undefined) env[name] = String(value);
  }
  const port = Number(json.Host?.LocalHttpPort);
  return { file, localHttpPort: Number.isInteger(port) && port > 0 ? port : undefined };
}

/** `%Name%` → the app setting's value; an unknown name is an error, as on the real host. */
export function resolveExpression(text: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(/%([^%]+)%/g, (_all, name: string) => {
    const value = env[name];
    if (value === undefined) throw new Error(`${where}: '%${name}%' does not resolve to a value (no app setting '${name}')`);
    return value;
  });
}

/** A copy of the function's metadata with every string binding property's `%Name%` expressions resolved. */
export function resolveBindings(metadata: FunctionMetadata, env: NodeJS.ProcessEnv = process.env): FunctionMetadata {
  const bindings: FunctionMetadata['bindings'] = {};
  for (const [name, binding] of Object.entries(metadata.bindings)) {
    bindings[name] = Object.fromEntries(Object.entries(binding).map(([key, value]) =>
      [key, typeof value === 'string' ? resolveExpression(value, `Function '${metadata.name}', binding '${name}'`, env) : value]));
  }
  return { ...metadata, bindings };
}

/**
 * The storage connection string a binding names (default AzureWebJobsStorage). Like the host, `X` may also be
 * given as `AzureWebJobsX`. `UseDevelopmentStorage=true` is understood by the storage SDK itself (Azurite's
 * default ports). Identity-based connections (`X__queueServiceUri`) are not supported.
 */
export function storageConnectionString(connection: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const name = typeof connection === 'string' && connection ? connection : 'AzureWebJobsStorage';
  const value = env[name] ?? env[`AzureWebJobs${name}`];
  if (!value) throw new Error(`Storage connection '${name}' is not set (app setting '${name}' is missing or empty)`);
  return value;
}
