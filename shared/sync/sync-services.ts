/**
 * What the sync engine works with, built once per process from the configuration: the gateways, the
 * stores, the mappings (with direction overrides applied) and the policy. Tests build it against the
 * sandbox the same way.
 */
import type { CorrelationStore } from '../correlation/correlation-store';
import type { SyncLink } from '../correlation/link';
import type { DataverseGateway } from '../dataverse/dataverse-gateway';
import type { GraphGateway } from '../graph/graph-gateway';
import type { Logger } from '../logging';
import type { MailboxRegistry } from '../mailboxes/mailbox-registry';
import type { CrmRow, MappingContext, RecordMapping, RecordType } from '../mappings/field-mapping';
import type { SyncPolicy } from './sync-policy';
import type { Values } from './three-way-merge';

export interface SyncOutcome {
  action: 'created' | 'recovered' | 'updated' | 'moved' | 'deleted' | 'unlinked' | 'skipped';
  reason?: string;
  mailboxUserId?: string;
  /** The CRM user whose mailbox the change concerns (for the mailbox's counters). */
  systemUserId?: string;
  graphId?: string;
  conflicts?: string[];
}

export interface SyncServices {
  links: CorrelationStore;
  mailboxes: MailboxRegistry;
  graph: GraphGateway;
  dataverse: DataverseGateway;
  mappings: Record<RecordType, RecordMapping>;
  /** CRM columns that are lookups (selected as _x_value). */
  lookupColumns: ReadonlySet<string>;
  policy: SyncPolicy;
  log: Logger;
  /** Deep link to a CRM record (shown on To Do tasks). */
  crmWebUrl(recordType: RecordType, crmId: string): string;
  /** Writes canonical values to the linked CRM row with If-Match; returns the row after the write. */
  writeCrm(link: SyncLink, values: Values, ctx: MappingContext, ifMatch: string | undefined): Promise<CrmRow>;
}
