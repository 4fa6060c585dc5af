/**
 * What a `$batch` hands to the requests it runs (they arrive without an Authorization header): the caller the
 * batch authenticated, its correlation id. Carried through `server.dispatch()` by AsyncLocalStorage.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataverseCaller } from './context';

export interface BatchScope {
  caller: DataverseCaller;
  correlationId: string;
}

export const batchScope = new AsyncLocalStorage<BatchScope>();

export const API_PATH = '/api/data/v9.2';
