/** Reads the team's documented payloads (../shared/fixtures beside the checkout). */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../shared/app-info';

export const FIXTURES_DIR = path.resolve(packageRoot(), '..', 'shared', 'fixtures');

export function fixture<T = any>(relative: string): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, relative), 'utf8')) as T;
}
