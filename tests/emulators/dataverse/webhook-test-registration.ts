/**
 * Test helper: registers webhooks on a running Dataverse sandbox through the Web API, as a registration script
 * does against an org (look up the message and its filter, then POST serviceendpoint, steps and images with
 * @odata.bind), and drives the /_emulator/webhooks controls. Remembers what it created so a test can clean up.
 */
import type { DataverseSandbox } from './harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class WebhookRegistrar {
  private readonly created: { set: string; id: string }[] = [];

  constructor(private readonly sandbox: DataverseSandbox, private readonly receiverUrl: () => string) {}

  async control<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.sandbox.orgUrl}/_emulator/webhooks/${path}`, {
      method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  drain(timeoutMs = 8000): Promise<{ idle: boolean; pending: number }> {
    return this.control('POST', 'drain', { timeoutMs });
  }

  /** Fast retries, no pause, no faults, no history. */
  async reset(): Promise<void> {
    await this.control('PUT', 'settings', { timeoutMs: 3000, asyncRetryDelaysMs: [50, 50, 50] });
    await this.control('POST', 'resume');
    await this.control('DELETE', 'faults');
    await this.control('DELETE', 'deliveries');
    await this.control('DELETE', 'system-jobs');
  }

  /** Deletes what this registrar created: images, then steps, then endpoints. */
  async cleanup(): Promise<void> {
    await this.drain();
    for (const set of ['sdkmessageprocessingstepimages', 'sdkmessageprocessingsteps', 'serviceendpoints']) {
      for (const row of this.created.filter((c) => c.set === set)) await this.sandbox.call(`${set}(${row.id})`, { method: 'DELETE' });
    }
    this.created.length = 0;
  }

  async get(path: string): Promise<Json> {
    const res = await this.sandbox.call(path);
    if (res.status !== 200) throw new Error(`GET ${path} → ${res.status} ${await res.text()}`);
    return res.json() as Promise<Json>;
  }

  /** POST through the Web API; the new id comes from OData-EntityId. */
  async post(set: string, body: Json): Promise<string> {
    const res = await this.sandbox.call(set, { method: 'POST', body });
    if (res.status !== 204) throw new Error(`POST ${set} → ${res.status} ${await res.text()}`);
    const id = /\(([0-9a-f-]{36})\)$/i.exec(res.headers.get('OData-EntityId') ?? '')?.[1];
    if (!id) throw new Error(`POST ${set}: no OData-EntityId`);
    this.created.push({ set, id });
    return id;
  }

  /** The message by name, then its filter for the table. */
  async catalog(message: string, table: string): Promise<{ messageId: string; filterId: string }> {
    const messages = (await this.get(`sdkmessages?$select=sdkmessageid&$filter=name eq '${message}'`)).value as Json[];
    const messageId = messages[0]!.sdkmessageid as string;
    const filters = (await this.get(`sdkmessagefilters?$select=sdkmessagefilterid&$filter=primaryobjecttypecode eq '${table}' and _sdkmessageid_value eq ${messageId}`)).value as Json[];
    return { messageId, filterId: filters[0]!.sdkmessagefilterid as string };
  }

  /** A webhook (contract 8) to the receiver, WebhookKey `function-key` unless overridden. */
  endpoint(over: Json = {}): Promise<string> {
    return this.post('serviceendpoints', {
      name: 'crm-exchange-sync functions', contract: 8, url: `${this.receiverUrl()}/api/dataverse-webhook`, authtype: 4, authvalue: 'function-key',
      messageformat: 2, userclaim: 1, ...over,
    });
  }

  /** An enabled step; asynchronous post-operation unless overridden. */
  async step(endpointId: string, message: string, table: string, over: Json = {}): Promise<string> {
    const { messageId, filterId } = await this.catalog(message, table);
    return this.post('sdkmessageprocessingsteps', {
      name: `crm-exchange-sync: ${message} of ${table}`, mode: 1, stage: 40, rank: 1, supporteddeployment: 0, asyncautodelete: false,
      'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${endpointId})`,
      'sdkmessageid@odata.bind': `/sdkmessages(${messageId})`,
      'sdkmessagefilterid@odata.bind': `/sdkmessagefilters(${filterId})`,
      ...over,
    });
  }

  image(stepId: string, alias: string, imagetype: number, attributes: string, messagepropertyname = 'Target'): Promise<string> {
    return this.post('sdkmessageprocessingstepimages', {
      name: alias, entityalias: alias, imagetype, attributes, messagepropertyname,
      'sdkmessageprocessingstepid@odata.bind': `/sdkmessageprocessingsteps(${stepId})`,
    });
  }
}
