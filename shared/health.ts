/** What GET /api/health reports: who we are, and whether our storage answers. */
import { appInfo } from './app-info';
import { tableServiceClient, type StorageConnection } from './storage';

export interface HealthReport {
  status: 'healthy' | 'degraded';
  name: string;
  version: string;
  storage: { reachable: boolean; latencyMs: number; error?: string };
}

export async function checkHealth(storageConnection: StorageConnection, timeoutMs = 3000): Promise<HealthReport> {
  const { name, version } = appInfo();
  const started = Date.now();
  const abort = AbortSignal.timeout(timeoutMs);
  let storage: HealthReport['storage'];
  try {
    await tableServiceClient(storageConnection).getProperties({ abortSignal: abort });
    storage = { reachable: true, latencyMs: Date.now() - started };
  } catch (error) {
    // The message says which endpoint failed; it carries no secret (the SDK never prints the key).
    storage = { reachable: false, latencyMs: Date.now() - started, error: (error as Error).message.split('\n')[0] };
  }
  return { status: storage.reachable ? 'healthy' : 'degraded', name, version, storage };
}
