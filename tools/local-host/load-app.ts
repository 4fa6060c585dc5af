/**
 * Loads the app the way the worker does: every file matching the entry glob (package.json `main`, e.g.
 * `dist/functions/*.js`, or `--app`) is required, with the fake `@azure/functions-core` installed first so
 * that each `app.http/storageQueue/timer` and `app.hook.*` call lands in the registry. Globs support `*`, `?`
 * and `**` (node_modules is never searched).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRegistry, installFakeCore, type Registry } from './fake-core';

function segmentRegex(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

function walk(dir: string, rest: string[], out: Set<string>): void {
  const [head, ...tail] = rest;
  if (head === undefined) return;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  if (head === '**') {
    walk(dir, tail, out);
    for (const e of entries) if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) walk(path.join(dir, e.name), rest, out);
    return;
  }
  const re = segmentRegex(head);
  for (const e of entries) {
    if (!re.test(e.name)) continue;
    const full = path.join(dir, e.name);
    if (tail.length === 0) {
      if (e.isFile()) out.add(full);
    } else if (e.isDirectory()) {
      walk(full, tail, out);
    }
  }
}

export function expandGlob(baseDir: string, pattern: string): string[] {
  const segments = path.resolve(baseDir, pattern).split(path.sep);
  const firstWild = segments.findIndex((s) => /[*?]/.test(s));
  if (firstWild < 0) {
    const file = segments.join(path.sep);
    return fs.existsSync(file) ? [file] : [];
  }
  const out = new Set<string>();
  walk(segments.slice(0, firstWild).join(path.sep) || path.sep, segments.slice(firstWild), out);
  return [...out].sort();
}

/** The entry glob: `--app` (relative to the current directory) or package.json `main` (relative to the app). */
export function entryFiles(appRoot: string, app: string | undefined): string[] {
  let pattern = app;
  let base = process.cwd();
  if (!pattern) {
    const packageFile = path.join(appRoot, 'package.json');
    const main = fs.existsSync(packageFile) ? (JSON.parse(fs.readFileSync(packageFile, 'utf8')) as { main?: unknown }).main : undefined;
    if (typeof main !== 'string' || !main) throw new Error(`No app entry: ${packageFile} has no "main" and no --app was given`);
    pattern = main;
    base = appRoot;
  }
  const files = expandGlob(base, pattern);
  if (files.length === 0) throw new Error(`Found zero files matching the app entry '${pattern}' (in ${base}; did you build?)`);
  return files;
}

export function loadApp(files: string[], systemLog: Registry['systemLog']): Registry {
  const registry = createRegistry(systemLog);
  installFakeCore(registry);
  for (const file of files) require(file);
  registry.startupDone = true;
  if (registry.functions.length === 0 || !registry.programmingModel) {
    throw new Error(
      `No functions were registered by ${files.join(', ')}. (Were these files, or @azure/functions, already loaded ` +
      'in this process before the host installed its @azure/functions-core?)',
    );
  }
  return registry;
}
