import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { getConfig } from '../shared/config';
import { checkHealth } from '../shared/health';

const config = getConfig();

/** GET /api/health — version and storage reachability; 503 when storage does not answer. */
export async function health(_request: HttpRequest): Promise<HttpResponseInit> {
  const report = await checkHealth(config.storageConnection);
  return { status: report.status === 'healthy' ? 200 : 503, jsonBody: report };
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: health });
