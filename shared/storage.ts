/**
 * Clients for our own tables and queues, from the same storage setting the Functions host uses
 * (AzureWebJobsStorage). Plain http (Azurite) is allowed only for loopback endpoints.
 */
import { TableClient, TableServiceClient } from '@azure/data-tables';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';

const DEVELOPMENT_STORAGE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
  'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

function expand(connection: string): string {
  return /^UseDevelopmentStorage=true;?$/i.test(connection.trim()) ? DEVELOPMENT_STORAGE : connection;
}

function isLoopbackHttp(connection: string): boolean {
  return /Endpoint=http:\/\/(127\.0\.0\.1|localhost)[:/]/i.test(connection);
}

export function tableServiceClient(connection: string): TableServiceClient {
  const c = expand(connection);
  return TableServiceClient.fromConnectionString(c, { allowInsecureConnection: isLoopbackHttp(c) });
}

export function tableClient(connection: string, tableName: string): TableClient {
  const c = expand(connection);
  return TableClient.fromConnectionString(c, tableName, { allowInsecureConnection: isLoopbackHttp(c) });
}

export function queueServiceClient(connection: string): QueueServiceClient {
  return QueueServiceClient.fromConnectionString(expand(connection));
}

export function queueClient(connection: string, queueName: string): QueueClient {
  return queueServiceClient(connection).getQueueClient(queueName);
}

/** The Functions host's queue trigger expects base64 (host.json messageEncoding); we write what it reads. */
export function encodeQueueMessage(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64');
}
