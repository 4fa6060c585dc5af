/**
 * The one host.json value the worker must know: how many attempts the host makes before it would move a
 * message to the poison queue — on the last attempt the worker parks it itself, with its reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from './app-info';

export function maxDequeueCount(): number {
  try {
    const json = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'host.json'), 'utf8')) as { extensions?: { queues?: { maxDequeueCount?: number } } };
    return json.extensions?.queues?.maxDequeueCount ?? 5;
  } catch {
    return 5;
  }
}
