/**
 * Test controls of webhook delivery, under /_emulator/webhooks/ on the Dataverse emulator's own server, so
 * tests and benchmarks in another process drive them over HTTP like the common controls:
 *
 *   GET    /_emulator/webhooks/deliveries      per-endpoint counters and the recent delivery log
 *   DELETE /_emulator/webhooks/deliveries      resets both
 *   POST   /_emulator/webhooks/faults          { action: drop|delay|duplicate, count, delayMs?, endpoint? }
 *   DELETE /_emulator/webhooks/faults
 *   POST   /_emulator/webhooks/pause           holds asynchronous deliveries (jobs stay queued)
 *   POST   /_emulator/webhooks/resume
 *   GET    /_emulator/webhooks/system-jobs     ?status=Failed|Succeeded|Waiting|…  &step=<stepid>
 *   DELETE /_emulator/webhooks/system-jobs     forgets completed jobs
 *   POST   /_emulator/webhooks/drain           { timeoutMs? } → { idle, pending } once the queue is empty
 *   GET    /_emulator/webhooks/settings        PUT with a partial { timeoutMs, asyncRetryDelaysMs, sizeLimitBytes }
 */
import { EmulatorHttpError, type EmulatorServer } from '../common/server';
import type { DeliveryFault } from './webhook-delivery';
import { settingsProblem, type WebhooksSettings } from './webhook-settings';
import type { WebhooksFeature } from './webhooks';

const BASE = '/_emulator/webhooks';

function badRequest(message: string): EmulatorHttpError {
  return new EmulatorHttpError(400, { error: message });
}

export function registerWebhookControls(server: EmulatorServer, feature: WebhooksFeature): void {
  server.route('GET', `${BASE}/deliveries`, () => ({
    status: 200, body: { counters: feature.deliveryCounters(), deliveries: feature.deliveries() },
  }));
  server.route('DELETE', `${BASE}/deliveries`, () => { feature.resetDeliveries(); return { status: 204 }; });

  server.route('POST', `${BASE}/faults`, (req) => {
    const fault = req.json<DeliveryFault>() ?? ({} as DeliveryFault);
    if (!['drop', 'delay', 'duplicate'].includes(fault.action)) throw badRequest('action must be drop, delay or duplicate');
    if (!(typeof fault.count === 'number' && fault.count > 0)) throw badRequest('count must be a number > 0');
    if (fault.action === 'delay' && !(typeof fault.delayMs === 'number' && fault.delayMs >= 0)) throw badRequest('delay needs delayMs >= 0');
    feature.addFault(fault);
    return { status: 204 };
  });
  server.route('DELETE', `${BASE}/faults`, () => { feature.clearFaults(); return { status: 204 }; });

  server.route('POST', `${BASE}/pause`, () => { feature.pause(); return { status: 204 }; });
  server.route('POST', `${BASE}/resume`, () => { feature.resume(); return { status: 204 }; });

  server.route('GET', `${BASE}/system-jobs`, (req) => {
    const status = req.query.get('status');
    const step = req.query.get('step')?.toLowerCase();
    const jobs = feature.systemJobs()
      .filter((j) => !status || j.status.toLowerCase() === status.toLowerCase())
      .filter((j) => !step || j.owningextensionid === step);
    return { status: 200, body: { value: jobs } };
  });

  server.route('DELETE', `${BASE}/system-jobs`, () => { feature.clearSystemJobs(); return { status: 204 }; });

  server.route('POST', `${BASE}/drain`, async (req) => {
    const body = req.body.length > 0 ? req.json<{ timeoutMs?: number }>() : {};
    const timeoutMs = body?.timeoutMs ?? 10_000;
    if (!(typeof timeoutMs === 'number' && timeoutMs >= 0)) throw badRequest('timeoutMs must be a number >= 0');
    return { status: 200, body: await feature.drain(timeoutMs) };
  });

  server.route('GET', `${BASE}/settings`, () => ({ status: 200, body: feature.settings() }));
  server.route('PUT', `${BASE}/settings`, (req) => {
    const partial = req.json<Partial<WebhooksSettings>>() ?? {};
    const problem = settingsProblem(partial);
    if (problem) throw badRequest(problem);
    feature.configure(partial);
    return { status: 200, body: feature.settings() };
  });
}
