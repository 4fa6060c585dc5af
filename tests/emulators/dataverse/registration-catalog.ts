/**
 * The platform's message catalog a registration script looks up: `sdkmessage` rows (the same ids in every
 * environment; the ones Microsoft Learn prints in "Use messages with the Organization service") and one
 * `sdkmessagefilter` per message and synchronized table.
 *
 * Filter ids of out-of-the-box tables are not documented for appointment/task/contact, so they are derived
 * here (stable across runs); a registration script must look them up, as it must against a real org.
 */
import { stableGuid } from './ids';

export const SDK_MESSAGES = {
  Assign: '8cbdbb1b-ea3e-db11-86a7-000a3a5473e8',
  Create: '9ebdbb1b-ea3e-db11-86a7-000a3a5473e8',
  Delete: 'a1bdbb1b-ea3e-db11-86a7-000a3a5473e8',
  GrantAccess: 'c5bdbb1b-ea3e-db11-86a7-000a3a5473e8',
  Merge: 'dbbdbb1b-ea3e-db11-86a7-000a3a5473e8',
  ModifyAccess: 'dcbdbb1b-ea3e-db11-86a7-000a3a5473e8',
  Retrieve: 'f2bdbb1b-ea3e-db11-86a7-000a3a5473e8',
  RetrieveMultiple: '03bebb1b-ea3e-db11-86a7-000a3a5473e8',
  RetrievePrincipalAccess: '04bebb1b-ea3e-db11-86a7-000a3a5473e8',
  RetrieveSharedPrincipalsAndAccess: '10bebb1b-ea3e-db11-86a7-000a3a5473e8',
  RevokeAccess: '11bebb1b-ea3e-db11-86a7-000a3a5473e8',
  SetState: '1cbebb1b-ea3e-db11-86a7-000a3a5473e8',
  SetStateDynamicEntity: '1dbebb1b-ea3e-db11-86a7-000a3a5473e8',
  Update: '20bebb1b-ea3e-db11-86a7-000a3a5473e8',
} as const;

export type SdkMessageName = keyof typeof SDK_MESSAGES;

/** Tables with message filters (the ones this project synchronizes). */
export const FILTERED_TABLES = ['appointment', 'task', 'contact'] as const;

export function sdkMessageFilterId(message: SdkMessageName, table: string): string {
  return stableGuid(`sdkmessagefilter/${message}/${table}`);
}

export interface CatalogMessage {
  sdkmessageid: string;
  name: SdkMessageName;
}

export interface CatalogFilter {
  sdkmessagefilterid: string;
  sdkmessageid: string;
  message: SdkMessageName;
  primaryobjecttypecode: string;
}

export function catalogMessages(): CatalogMessage[] {
  return (Object.entries(SDK_MESSAGES) as [SdkMessageName, string][]).map(([name, sdkmessageid]) => ({ sdkmessageid, name }));
}

export function catalogFilters(): CatalogFilter[] {
  return FILTERED_TABLES.flatMap((table) => catalogMessages().map((m) => ({
    sdkmessagefilterid: sdkMessageFilterId(m.name, table),
    sdkmessageid: m.sdkmessageid,
    message: m.name,
    primaryobjecttypecode: table,
  })));
}
