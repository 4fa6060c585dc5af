/**
 * The mailbox flow of Dynamics' server-side synchronization: set the sync method per record type,
 * approve, Test & Enable (asynchronous: the request puts a test on the queue; the worker runs it and the
 * status becomes success — with the subscriptions created and the initial sync started — or failure with
 * a reason an administrator can act on), disable.
 */
import { randomUUID } from 'node:crypto';
import { BadRequestError } from '../errors';
import type { CorrelationStore } from '../correlation/correlation-store';
import type { DataverseGateway } from '../dataverse/dataverse-gateway';
import { GraphRequestError } from '../graph/graph-errors';
import type { GraphGateway } from '../graph/graph-gateway';
import type { RecordMapping, RecordType } from '../mappings/field-mapping';
import type { SubscriptionManager } from '../subscriptions/subscription-manager';
import { crmSelect } from '../sync/record-values';
import { fitsWorkItem, type CrmChange, type MailboxTestItem } from '../sync/work-item';
import { newMailbox, syncsRecordType, SYNC_METHOD_KEY, type Mailbox, type SyncMethod } from './mailbox';
import type { MailboxRegistry } from './mailbox-registry';

export interface MailboxServiceDeps {
  registry: MailboxRegistry;
  dataverse: DataverseGateway;
  graph: GraphGateway;
  subscriptions: SubscriptionManager;
  links: CorrelationStore;
  mappings: Record<RecordType, RecordMapping>;
  /** Lookup columns (read as _x_value): the initial sync lists rows with every mapped column. */
  lookupColumns: ReadonlySet<string>;
  /** Roles in the sync app's Graph token (checked at Test & Enable). */
  graphRoles(): Promise<string[]>;
  /** Are the Dataverse webhook steps registered for these tables? Returns the missing ones. */
  missingWebhookSteps(recordTypes: RecordType[]): Promise<string[]>;
}

/** Application permissions that must show in the app's token. Calendars and contacts are left out: when
 *  they are granted through Exchange RBAC for Applications they never appear there; the mailbox probes
 *  below prove them (and a 403 from them is reported with its fix). */
const REQUIRED_GRAPH_ROLES: Partial<Record<RecordType, string>> = {
  task: 'Tasks.ReadWrite.All',
};
const RECORD_TYPES: RecordType[] = ['appointment', 'contact', 'task'];
/** Rows the initial sync brings: every contact; activities not completed or canceled (a new appointment is
 *  Scheduled, statecode 3; Open is 0). */
const OPEN_ROWS: Record<RecordType, string> = {
  appointment: ' and (statecode eq 0 or statecode eq 3)',
  contact: '',
  task: ' and statecode eq 0',
};

export class MailboxService {
  constructor(private readonly deps: MailboxServiceDeps) {}

  /** Every CRM user (not application users) has a mailbox row; new users appear as pending / none. */
  async refreshFromCrm(): Promise<Mailbox[]> {
    const users = await this.deps.dataverse.retrieveAll('systemusers', ['systemuserid', 'fullname', 'internalemailaddress', 'azureactivedirectoryobjectid', 'applicationid'], 'applicationid eq null');
    for (const u of users) {
      if (!u.internalemailaddress || !u.azureactivedirectoryobjectid) continue;
      await this.deps.registry.ensure(newMailbox({
        systemUserId: String(u.systemuserid), displayName: String(u.fullname ?? u.internalemailaddress),
        emailAddress: String(u.internalemailaddress), entraObjectId: String(u.azureactivedirectoryobjectid),
      }));
    }
    return this.deps.registry.list();
  }

  /** The user's mailbox; a CRM user not listed yet gets their row now (no manual registration). */
  async find(systemUserId: string): Promise<Mailbox | undefined> {
    const stored = await this.deps.registry.get(systemUserId);
    if (stored) return stored;
    const u = await this.deps.dataverse.retrieve('systemusers', systemUserId, ['systemuserid', 'fullname', 'internalemailaddress', 'azureactivedirectoryobjectid', 'applicationid']);
    if (!u || u.applicationid || !u.internalemailaddress || !u.azureactivedirectoryobjectid) return undefined;
    return this.deps.registry.ensure(newMailbox({
      systemUserId: String(u.systemuserid), displayName: String(u.fullname ?? u.internalemailaddress),
      emailAddress: String(u.internalemailaddress), entraObjectId: String(u.azureactivedirectoryobjectid),
    }));
  }

  private async require(systemUserId: string): Promise<Mailbox> {
    const mailbox = await this.find(systemUserId);
    if (!mailbox) throw new BadRequestError(`No mailbox for CRM user ${systemUserId}`, 404, 'NotFound');
    return mailbox;
  }

  async setSyncMethods(systemUserId: string, methods: Partial<Mailbox['syncMethods']>): Promise<Mailbox> {
    await this.require(systemUserId);
    for (const [key, value] of Object.entries(methods)) {
      if (!['appointments', 'contacts', 'tasks'].includes(key)) throw new BadRequestError(`Unknown record type '${key}' (appointments, contacts, tasks)`, 400, 'InvalidSyncMethods');
      if (value !== 'serverSideSync' && value !== 'none') throw new BadRequestError(`Sync method for ${key} must be 'serverSideSync' or 'none', got '${String(value)}'`, 400, 'InvalidSyncMethods');
    }
    const updated = (await this.deps.registry.update(systemUserId, (m) => {
      m.syncMethods = { ...m.syncMethods, ...(methods as Record<string, SyncMethod>) };
    }))!;
    if (updated.enabled) await this.deps.subscriptions.ensureForMailbox(updated);
    return updated;
  }

  async setApproval(systemUserId: string, approval: 'approved' | 'rejected'): Promise<Mailbox> {
    await this.require(systemUserId);
    return (await this.deps.registry.update(systemUserId, (m) => {
      m.approval = approval;
      if (approval === 'rejected') m.enabled = false;
    }))!;
  }

  /** Starts Test & Enable: 409 unless approved. Returns the work item the caller enqueues. */
  async requestTestAndEnable(systemUserId: string): Promise<{ mailbox: Mailbox; item: MailboxTestItem }> {
    const mailbox = await this.require(systemUserId);
    if (mailbox.approval !== 'approved') {
      throw new BadRequestError(`The mailbox of ${mailbox.displayName} is not approved (approval: ${mailbox.approval}); approve it first`, 409, 'NotApproved');
    }
    if (!RECORD_TYPES.some((t) => mailbox.syncMethods[SYNC_METHOD_KEY[t]] === 'serverSideSync')) {
      throw new BadRequestError('No record type is set to serverSideSync: set at least one sync method first', 409, 'NothingToSync');
    }
    const updated = (await this.deps.registry.update(systemUserId, (m) => { m.actStatus = 'running'; m.lastError = null; m.initialSync = { total: 0, done: 0, failed: 0 }; }))!;
    return { mailbox: updated, item: { kind: 'mailboxTest', systemUserId: updated.systemUserId, correlationId: randomUUID(), receivedAt: new Date().toISOString() } };
  }

  /** Runs the test; on success enables the mailbox and returns the initial-sync work items to enqueue. */
  async runTestAndEnable(systemUserId: string): Promise<{ mailbox: Mailbox; initialSync: CrmChange[] }> {
    const mailbox = await this.require(systemUserId);
    const types = RECORD_TYPES.filter((t) => mailbox.syncMethods[SYNC_METHOD_KEY[t]] === 'serverSideSync');
    let timeZone: string | undefined;
    let todoListId: string | undefined;
    try {
      const user = await this.deps.dataverse.retrieve('systemusers', mailbox.systemUserId, ['isdisabled', 'internalemailaddress', 'azureactivedirectoryobjectid']);
      if (!user) throw new TestFailure(`The CRM user ${mailbox.systemUserId} no longer exists.`);
      if (user.isdisabled === true) throw new TestFailure(`The CRM user ${mailbox.displayName} is disabled in Dynamics 365; enable the user, then test again.`);
      const roles = await this.deps.graphRoles();
      const missingRoles = types.flatMap((t) => REQUIRED_GRAPH_ROLES[t] ?? []).filter((r) => !roles.includes(r));
      if (missingRoles.length > 0) throw new TestFailure(`The sync app lacks the Microsoft Graph application permission(s) ${missingRoles.join(', ')}; grant them with admin consent, then test again.`);
      try {
        timeZone = await this.deps.graph.mailboxTimeZone(mailbox.entraObjectId);
        if (types.includes('task')) todoListId = await this.deps.graph.defaultTodoListId(mailbox.entraObjectId);
        for (const t of types) await this.deps.graph.probe(mailbox.entraObjectId, t, t === 'task' ? todoListId : undefined);
      } catch (error) {
        if (error instanceof GraphRequestError && error.code === 'ACCESS_DENIED') {
          throw new TestFailure(`Microsoft Graph denied access to the mailbox ${mailbox.emailAddress} (${error.status} ${error.graphCode ?? ''}). ` +
            'The mailbox is probably outside the application access policy / RBAC for Applications scope of the sync app: add it to the scope ' +
            '(New-ManagementScope / New-ManagementRoleAssignment, see the operator guide), then test again.');
        }
        if (error instanceof GraphRequestError && error.code === 'NOT_FOUND') {
          throw new TestFailure(`No Exchange Online mailbox found for ${mailbox.emailAddress} (Entra object id ${mailbox.entraObjectId}): check the user's license and mailbox.`);
        }
        throw error;
      }
      const missingSteps = await this.deps.missingWebhookSteps(types);
      if (missingSteps.length > 0) throw new TestFailure(`The Dataverse webhook steps are not registered for ${missingSteps.join(', ')}; run \`npm run register\`, then test again.`);
    } catch (caught) {
      let error = caught;
      // An unexpected refusal (not a passing fault the queue will retry) fails the test with what was refused.
      const transient = (caught as { transient?: boolean }).transient;
      if (!(error instanceof TestFailure) && transient === false) error = new TestFailure(`The test could not complete: ${(caught as Error).message}`);
      if (!(error instanceof TestFailure)) throw error;
      const failed = (await this.deps.registry.update(systemUserId, (m) => {
        m.actStatus = 'failure';
        m.enabled = false;
        m.lastTestedOn = new Date().toISOString();
        m.lastError = error.message;
        m.alerts = [{ time: new Date().toISOString(), severity: 'error' as const, message: `Test & Enable failed: ${error.message}` }, ...m.alerts].slice(0, 20);
      }))!;
      return { mailbox: failed, initialSync: [] };
    }
    // Subscriptions first, then one write that turns the status to success together with the initial sync's
    // total, so a reader never sees `success` with the progress of an earlier run.
    await this.deps.subscriptions.ensureForMailbox({ ...mailbox, enabled: true });
    const initialSync = await this.initialSyncItems(mailbox, types);
    const enabled = (await this.deps.registry.update(systemUserId, (m) => {
      m.actStatus = 'success';
      m.enabled = true;
      m.lastTestedOn = new Date().toISOString();
      m.lastError = null;
      m.timeZone = timeZone;
      if (todoListId) m.todoListId = todoListId;
      m.initialSync = { total: initialSync.length, done: 0, failed: 0 };
      m.alerts = [{ time: new Date().toISOString(), severity: 'information' as const, message: `Test & Enable succeeded for ${types.join(', ')}.` }, ...m.alerts].slice(0, 20);
    }))!;
    return { mailbox: enabled, initialSync };
  }

  /** Every existing CRM row owned by the user, of an enabled type, as a work item. */
  private async initialSyncItems(mailbox: Mailbox, types: RecordType[]): Promise<CrmChange[]> {
    const items: CrmChange[] = [];
    for (const type of types) {
      const mapping = this.deps.mappings[type];
      const filter = `_ownerid_value eq ${mailbox.systemUserId}${OPEN_ROWS[type]}`;
      // The rows come with every mapped column and travel in their work items, as a webhook's image would: the
      // worker then creates each item without reading its row again (10,000 rows would be 10,000 reads against
      // Dataverse's 6,000 requests per 5 minutes). Rows with expansions (appointment parties) are read by the
      // worker; a row too big for a queue message travels without its columns.
      const carried = !(mapping.crmExpand?.length);
      const rows = await this.deps.dataverse.retrieveAll(mapping.crmEntitySet, carried ? crmSelect(mapping, this.deps.lookupColumns) : [mapping.crmPrimaryId], filter);
      for (const row of rows) {
        const item: CrmChange = {
          kind: 'crmChange', recordType: type, crmId: String(row[mapping.crmPrimaryId]).toLowerCase(), message: 'Reconcile',
          ...(row.versionnumber !== undefined && row.versionnumber !== null ? { versionNumber: String(row.versionnumber) } : {}),
          correlationId: randomUUID(), receivedAt: new Date().toISOString(), initialSyncOf: mailbox.systemUserId,
        };
        const withRow: CrmChange = { ...item, postImage: row };
        items.push(carried && fitsWorkItem(withRow) ? withRow : item);
      }
    }
    return items;
  }

  /** Stops the sync: subscriptions removed, items stay in the mailbox, unlinked. */
  async disable(systemUserId: string): Promise<Mailbox> {
    const mailbox = await this.require(systemUserId);
    const disabled = (await this.deps.registry.update(systemUserId, (m) => {
      m.enabled = false;
      m.actStatus = 'notRun';
      m.alerts = [{ time: new Date().toISOString(), severity: 'information' as const, message: 'Sync disabled; items stay in the mailbox, unlinked.' }, ...m.alerts].slice(0, 20);
    }))!;
    await this.deps.subscriptions.removeForMailbox(mailbox);
    for await (const link of this.deps.links.listByMailbox(mailbox.entraObjectId)) {
      await this.deps.links.update({ ...link, state: 'unlinked', updatedAt: new Date().toISOString() });
      if (link.graphId) await this.deps.links.deleteIndex(link.mailboxUserId, link.graphId);
    }
    return disabled;
  }

  static syncs(mailbox: Mailbox | undefined, recordType: RecordType): boolean {
    return syncsRecordType(mailbox, recordType);
  }
}

class TestFailure extends Error {}
