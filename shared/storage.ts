/**
 * Clients for our own tables and queues, from the same storage setting the Functions host uses
 * (AzureWebJobsStorage): a connection string (Azurite, or an account with keys), or — in Azure, keyless —
 * the service URIs and a managed identity (AzureWebJobsStorage__queueServiceUri / __tableServiceUri /
 * __clientId). Plain http (Azurite) is allowed only for loopback endpoints.
 */
import { TableClient, TableServiceClient } from '@azure/data-tables';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { managedIdentityCredential } from './identity/managed-identity-credential';

/** Identity-based storage: the service URIs, and the user-assigned identity's client id (absent: system-assigned). */
export interface IdentityStorage {
  queueServiceUri: string;
  tableServiceUri: string;
  clientId?: string;
}

export type StorageConnection = string | IdentityStorage;

const DEVELOPMENT_STORAGE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
  'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

function expand(connection: string): string {
  return /^UseDevelopmentStorage=true;?$/i.test(connection.trim()) ? DEVELOPMENT_STORAGE : connection;
}

function isLoopbackHttp(connection: string): boolean {
  return /Endpoint=http:\/\/(127\.0\.0\.1|localhost)[:/]/i.test(connection);
}

export function tableServiceClient(connection: StorageConnection): TableServiceClient {
  if (typeof connection !== 'string') return new TableServiceClient(connection.tableServiceUri, managedIdentityCredential(connection.clientId));
  const c = expand(connection);
  return TableServiceClient.fromConnectionString(c, { allowInsecureConnection: isLoopbackHttp(c) });
}

export function tableClient(connection: StorageConnection, tableName: string): TableClient {
  if (typeof connection !== 'string') return new TableClient(connection.tableServiceUri, tableName, managedIdentityCredential(connection.clientId));
  const c = expand(connection);
  return TableClient.fromConnectionString(c, tableName, { allowInsecureConnection: isLoopbackHttp(c) });
}

export function queueServiceClient(connection: StorageConnection): QueueServiceClient {
  if (typeof connection !== 'string') return new QueueServiceClient(connection.queueServiceUri, managedIdentityCredential(connection.clientId));
  return QueueServiceClient.fromConnectionString(expand(connection));
}

export function queueClient(connection: StorageConnection, queueName: string): QueueClient {
  return queueServiceClient(connection).getQueueClient(queueName);
}

/** The Functions host's queue trigger expects base64 (host.json messageEncoding); we write what it reads. */
export function encodeQueueMessage(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64');
}
