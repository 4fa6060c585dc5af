import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, settingsSchema } from '../../shared/config';
import { ConfigurationError } from '../../shared/errors';

const sample = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'local.settings.sample.json'), 'utf8')) as {
  Values: Record<string, string>;
  Documentation: Record<string, string>;
};

describe('configuration', () => {
  test('local.settings.sample.json documents every setting the code reads, and only those', () => {
    const read = Object.keys(settingsSchema.shape).sort();
    const sampled = Object.keys(sample.Values).filter((k) => k !== 'FUNCTIONS_WORKER_RUNTIME').sort();
    expect(sampled).toEqual(read);
    for (const key of Object.keys(sample.Values)) expect(sample.Documentation[key]).toEqual(expect.any(String));
  });

  test('the sample values are a working sandbox configuration', () => {
    const config = loadConfig(sample.Values);
    expect(config.authority).toBe('https://127.0.0.1:7300/7d0f6b3e-5a1c-4c8e-9e59-2b8d4a1f0c11');
    expect(config.graphBaseUrl).toBe('https://127.0.0.1:7301/v1.0');
    expect(config.dataverseWebhookSecrets).toEqual([]);
    expect(config.graphMaxConcurrencyPerMailbox).toBe(4);
  });

  test('defaults apply to optional settings', () => {
    const { SYNC_AUTHORITY_HOST: _a, SYNC_GRAPH_BASE_URL: _g, SYNC_WORK_QUEUE: _q, ...rest } = sample.Values;
    const config = loadConfig(rest);
    expect(config.authority).toBe(`https://login.microsoftonline.com/${sample.Values.SYNC_TENANT_ID}`);
    expect(config.graphBaseUrl).toBe('https://graph.microsoft.com/v1.0');
    expect(config.workQueue).toBe('sync-work');
  });

  test('one error names every missing or malformed setting', () => {
    const env = { ...sample.Values, SYNC_TENANT_ID: 'contoso', SYNC_DATAVERSE_URL: 'http://contoso.crm.dynamics.com', SYNC_CLIENT_SECRET: '' };
    delete (env as Record<string, string | undefined>).AzureWebJobsStorage;
    let error: unknown;
    try { loadConfig(env); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigurationError);
    const problems = (error as ConfigurationError).problems;
    expect(problems.map((p) => p.setting).sort()).toEqual(['AzureWebJobsStorage', 'SYNC_CLIENT_SECRET', 'SYNC_DATAVERSE_URL', 'SYNC_TENANT_ID']);
    const message = (error as Error).message;
    expect(message).toContain('SYNC_TENANT_ID: must be a GUID');
    expect(message).toContain('SYNC_DATAVERSE_URL: must be an https:// URL');
    expect(message).toContain('SYNC_CLIENT_SECRET: is required');
    expect(message).toContain('AzureWebJobsStorage: is required');
    // The message never repeats a secret value.
    expect(message).not.toContain(sample.Values.SYNC_CLIENT_SECRET);
  });

  test('numbers and enums are checked', () => {
    expect(() => loadConfig({ ...sample.Values, SYNC_GRAPH_MAX_CONCURRENCY_PER_MAILBOX: 'four', SYNC_LOG_LEVEL: 'loud' }))
      .toThrow(/SYNC_GRAPH_MAX_CONCURRENCY_PER_MAILBOX[\s\S]*SYNC_LOG_LEVEL|SYNC_LOG_LEVEL[\s\S]*SYNC_GRAPH_MAX_CONCURRENCY_PER_MAILBOX/);
  });
});

describe('keyless storage', () => {
  const { AzureWebJobsStorage: _conn, ...withoutConnection } = sample.Values;
  test('service URIs and a managed identity replace the connection string', () => {
    const config = loadConfig({
      ...withoutConnection,
      AzureWebJobsStorage__queueServiceUri: 'https://stsync.queue.core.windows.net/',
      AzureWebJobsStorage__tableServiceUri: 'https://stsync.table.core.windows.net',
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: '11111111-2222-3333-4444-555555555555',
    });
    expect(config.storageConnection).toEqual({
      queueServiceUri: 'https://stsync.queue.core.windows.net', tableServiceUri: 'https://stsync.table.core.windows.net', clientId: '11111111-2222-3333-4444-555555555555',
    });
  });
  test('neither form → one clear error; a half-configured keyless form names what is missing', () => {
    expect(() => loadConfig(withoutConnection)).toThrow(/AzureWebJobsStorage: is required \(a storage connection string/);
    expect(() => loadConfig({ ...withoutConnection, AzureWebJobsStorage__queueServiceUri: 'https://stsync.queue.core.windows.net' })).toThrow(/__tableServiceUri/);
    expect(() => loadConfig({ ...withoutConnection, AzureWebJobsStorage__queueServiceUri: 'http://stsync.queue.core.windows.net', AzureWebJobsStorage__tableServiceUri: 'https://x' }))
      .toThrow(/AzureWebJobsStorage__queueServiceUri: must be an https:\/\/ URL/);
  });
});
