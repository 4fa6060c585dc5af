/**
 * Exchange → CRM without the reads the link makes unnecessary, on in-memory fakes of the services (the
 * sandbox tests count the same through the emulators): an appointment's row is not read when the link
 * knows its state, a To Do task is not read when the work item carries a newer copy — and the races those
 * shortcuts leave open end where they did before (412 → read; older copy → read).
 */
import type { SyncLink } from '../../../shared/correlation/link';
import { LinkConflictError } from '../../../shared/correlation/correlation-store';
import { DataverseRequestError } from '../../../shared/dataverse/dataverse-errors';
import { GraphRequestError } from '../../../shared/graph/graph-errors';
import { buildMappings } from '../../../shared/mappings';
import type { CrmRow, GraphItem, RecordType } from '../../../shared/mappings/field-mapping';
import { applyGraphChange } from '../../../shared/sync/exchange-to-crm';
import { crmPatch, graphValues, mappingContext } from '../../../shared/sync/record-values';
import { DEFAULT_SYNC_POLICY } from '../../../shared/sync/sync-policy';
import type { SyncServices } from '../../../shared/sync/sync-services';
import type { GraphChangeItem } from '../../../shared/sync/work-item';

const mappings = buildMappings();
const ctx = mappingContext({ timeZone: 'UTC', emailAddress: 'adele@contoso.example' });
const MAILBOX = '3f6e2a90-1b7c-4d5e-8f21-0a9b8c7d6e51';
const OWNER = '0a1b2c3d-0001-4e5f-8a9b-000000000001';
const CRM_ID = '11111111-2222-4333-8444-555555555555';

function appointmentItem(o: GraphItem = {}): GraphItem {
  return {
    id: 'g1', '@odata.etag': 'W/"e1"', lastModifiedDateTime: '2026-11-20T10:00:00.0000000Z',
    subject: 'Site visit', body: { contentType: 'text', content: 'Agenda' }, location: { displayName: 'Room 1' },
    start: { dateTime: '2027-01-12T01:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2027-01-12T02:30:00.0000000', timeZone: 'UTC' },
    isAllDay: false, importance: 'normal', showAs: 'busy', attendees: [], ...o,
  };
}

function taskItem(o: GraphItem = {}): GraphItem {
  return {
    id: 'g1', '@odata.etag': 'W/"e1"', lastModifiedDateTime: '2026-11-20T10:00:00.0000000Z',
    title: 'Send the contract', body: { contentType: 'text', content: '' }, importance: 'normal', status: 'notStarted', ...o,
  };
}

/** A linked pair, both sides equal, in fakes that count their calls and honour If-Match. */
function world(recordType: RecordType, graphItem: GraphItem, rowState: { statecode: number; statuscode: number }, linkExtra: Partial<SyncLink> = {}) {
  const mapping = mappings[recordType];
  const snapshot = graphValues(mapping, graphItem, ctx);
  const writable = Object.fromEntries(Object.entries(snapshot).filter(([name]) => mapping.fields.find((f) => f.name === name)?.defaultDirection !== 'crmToExchange'));
  let row: CrmRow = {
    [mapping.crmPrimaryId]: CRM_ID, _ownerid_value: OWNER, versionnumber: 100, ...crmPatch(mapping, writable, ctx), ...rowState,
    ...(recordType === 'appointment' ? { appointment_activity_parties: [] } : {}),
  };
  let item = graphItem;
  let link: SyncLink = {
    recordType, crmId: CRM_ID, mailboxUserId: MAILBOX, ownerSystemUserId: OWNER, state: 'linked', graphId: 'g1',
    ...(recordType === 'task' ? { graphContainerId: 'list1' } : {}), transactionId: 't', crmVersion: '100', graphEtag: String(graphItem['@odata.etag']),
    snapshot, createdAt: '', updatedAt: '', etag: 's1', ...linkExtra,
  };
  let linkEtag = 1;
  const calls = { graphGet: 0, graphPatch: 0, crmRead: 0, crmWrite: 0, crmWrites412: 0 };
  const rowWithEtag = () => ({ ...row, '@odata.etag': `W/"${row.versionnumber}"` });
  const services = {
    links: {
      async getByGraphId() { return { ...link }; },
      async update(next: SyncLink) {
        if (next.etag !== link.etag) throw new LinkConflictError(recordType, CRM_ID, 'etag mismatch');
        link = { ...next, etag: `s${++linkEtag}` };
        return { ...link };
      },
      async assertUnchanged(l: SyncLink) { if (l.etag !== link.etag) throw new LinkConflictError(recordType, CRM_ID, 'changed'); },
      async delete() { throw new Error('not expected'); },
      async deleteIndex() { throw new Error('not expected'); },
    },
    mailboxes: { async getRecent() { return { timeZone: 'UTC', emailAddress: 'adele@contoso.example' }; } },
    graph: {
      async get() { calls.graphGet += 1; return { ...item }; },
      async update(_ref: unknown, patch: GraphItem, ifMatch?: string) {
        calls.graphPatch += 1;
        if (ifMatch && ifMatch !== item['@odata.etag']) throw new GraphRequestError('PRECONDITION_FAILED', 412, 'ErrorIrresolvableConflict', 'changed');
        item = { ...item, ...patch, '@odata.etag': `W/"p${calls.graphPatch}"`, lastModifiedDateTime: '2026-11-20T12:00:00.0000000Z' };
        return { ...item };
      },
    },
    dataverse: {
      async retrieve() { calls.crmRead += 1; return rowWithEtag(); },
    },
    mappings,
    lookupColumns: new Set<string>(),
    policy: DEFAULT_SYNC_POLICY,
    log: { log() {} },
    crmWebUrl: () => '',
    async writeCrm(_l: SyncLink, values: Record<string, unknown>, c: typeof ctx, ifMatch: string | undefined) {
      calls.crmWrite += 1;
      if (ifMatch && ifMatch !== `W/"${row.versionnumber}"`) { calls.crmWrites412 += 1; throw new DataverseRequestError('PRECONDITION_FAILED', 412, '0x80060882', 'changed'); }
      if (row.statecode === 1 || row.statecode === 2) throw new DataverseRequestError('INVALID_REQUEST', 400, '0x80043716', 'closed activities cannot be edited');
      row = { ...row, ...crmPatch(mapping, values as never, c), versionnumber: Number(row.versionnumber) + 1 };
      return rowWithEtag();
    },
  } as unknown as SyncServices;
  return {
    services, calls,
    get link() { return link; },
    get row() { return row; },
    /** Someone edits the row in CRM (its version moves on). */
    editCrm(values: CrmRow) { row = { ...row, ...values, versionnumber: Number(row.versionnumber) + 1 }; },
    /** Outlook edits the item. */
    editOutlook(values: GraphItem, at: string, etag: string) { item = { ...item, ...values, lastModifiedDateTime: at, '@odata.etag': etag }; return { ...item }; },
  };
}

const change = (recordType: RecordType, o: Partial<GraphChangeItem> = {}): GraphChangeItem => ({
  kind: 'graphChange', recordType, mailboxUserId: MAILBOX, graphId: 'g1', changeType: 'updated', correlationId: 'c', receivedAt: '', ...o,
});
const OPEN = { statecode: 3, statuscode: 5 };
const COMPLETED = { statecode: 1, statuscode: 3 };
const TASK_OPEN = { statecode: 0, statuscode: 2 };

describe('Exchange → CRM appointments: the row\'s state from the link', () => {
  test('an edit of an open appointment whose link knows its state: one Graph read, one CRM write, no CRM read', async () => {
    const w = world('appointment', appointmentItem(), OPEN, { crmState: { version: '100', statecode: 3 } });
    w.editOutlook({ location: { displayName: 'Room 2' } }, '2026-11-20T11:00:00Z', 'W/"e2"');
    const outcome = await applyGraphChange(w.services, change('appointment', { etag: 'W/"e2"' }));
    expect(outcome.action).toBe('updated');
    expect(w.calls).toMatchObject({ graphGet: 1, graphPatch: 0, crmRead: 0, crmWrite: 1 });
    expect(w.row.location).toBe('Room 2');
    // The state is refreshed with the version written, so the next edit needs no read either.
    expect(w.link.crmState).toEqual({ version: '101', statecode: 3 });
    expect(w.link.crmVersion).toBe('101');
  });

  test('a completed appointment, as the link knows it, takes no Exchange edit — and is not read', async () => {
    const w = world('appointment', appointmentItem(), COMPLETED, { crmState: { version: '100', statecode: 1 } });
    w.editOutlook({ location: { displayName: 'Room 2' } }, '2026-11-20T11:00:00Z', 'W/"e2"');
    expect(await applyGraphChange(w.services, change('appointment', { etag: 'W/"e2"' }))).toMatchObject({ action: 'skipped', reason: 'crmReadOnly' });
    expect(w.calls).toMatchObject({ crmRead: 0, crmWrite: 0 });
    expect(w.row.location).toBe('Room 1');
  });

  test('closed in CRM since the link recorded it open: the If-Match fails, the row is read, the edit stays in Exchange', async () => {
    const w = world('appointment', appointmentItem(), OPEN, { crmState: { version: '100', statecode: 3 } });
    w.editCrm(COMPLETED);
    w.editOutlook({ location: { displayName: 'Room 2' } }, '2026-11-20T11:00:00Z', 'W/"e2"');
    expect(await applyGraphChange(w.services, change('appointment', { etag: 'W/"e2"' }))).toMatchObject({ action: 'updated' });
    expect(w.calls).toMatchObject({ crmWrites412: 1, crmRead: 1, crmWrite: 1 });
    expect(w.row).toMatchObject({ location: 'Room 1', statecode: 1 });
    // Edits kept in Exchange: the item's etag stays unrecorded, and the closed state is on the link now.
    expect(w.link.graphEtag).toBe('W/"e1"');
    expect(w.link.crmState).toEqual({ version: '101', statecode: 1 });
  });

  test('a link written before states were recorded reads the row as before — and records the state it read', async () => {
    const w = world('appointment', appointmentItem(), OPEN);
    w.editOutlook({ location: { displayName: 'Room 2' } }, '2026-11-20T11:00:00Z', 'W/"e2"');
    expect(await applyGraphChange(w.services, change('appointment', { etag: 'W/"e2"' }))).toMatchObject({ action: 'updated' });
    expect(w.calls).toMatchObject({ crmRead: 1, crmWrite: 1 });
    expect(w.link.crmState).toEqual({ version: '101', statecode: 3 });

    const legacyClosed = world('appointment', appointmentItem(), COMPLETED);
    legacyClosed.editOutlook({ location: { displayName: 'Room 2' } }, '2026-11-20T11:00:00Z', 'W/"e2"');
    expect(await applyGraphChange(legacyClosed.services, change('appointment', { etag: 'W/"e2"' }))).toMatchObject({ action: 'skipped', reason: 'crmReadOnly' });
    expect(legacyClosed.calls).toMatchObject({ crmRead: 1, crmWrite: 0 });
  });

  test('a state recorded for an older version than the link synced is not trusted', async () => {
    const w = world('appointment', appointmentItem(), COMPLETED, { crmState: { version: '99', statecode: 3 } });
    w.editOutlook({ location: { displayName: 'Room 2' } }, '2026-11-20T11:00:00Z', 'W/"e2"');
    expect(await applyGraphChange(w.services, change('appointment', { etag: 'W/"e2"' }))).toMatchObject({ action: 'skipped', reason: 'crmReadOnly' });
    expect(w.calls).toMatchObject({ crmRead: 1, crmWrite: 0 });
  });
});

describe('Exchange → CRM To Do tasks: the delta page\'s copy instead of a read', () => {
  const synced = { graphModified: { etag: 'W/"e1"', at: '2026-11-20T10:00:00.0000000Z' } };

  test('a task completed in To Do, carried by the work item: no Graph read, one CRM write', async () => {
    const w = world('task', taskItem(), TASK_OPEN, synced);
    const copy = w.editOutlook({ status: 'completed', completedDateTime: { dateTime: '2026-11-20T00:00:00.0000000', timeZone: 'UTC' } }, '2026-11-20T11:00:00.0000000Z', 'W/"e2"');
    expect(await applyGraphChange(w.services, change('task', { containerId: 'list1', etag: 'W/"e2"', item: copy }))).toMatchObject({ action: 'updated' });
    expect(w.calls).toMatchObject({ graphGet: 0, crmRead: 0, crmWrite: 1 });
    expect(w.row).toMatchObject({ statecode: 1 });
    expect(w.link).toMatchObject({ graphEtag: 'W/"e2"', graphModified: { etag: 'W/"e2"', at: '2026-11-20T11:00:00.0000000Z' } });
  });

  test('a copy older than what the link synced (a newer one was applied first) is not applied: the task is read', async () => {
    const w = world('task', taskItem(), TASK_OPEN, synced);
    const older = { ...taskItem(), title: 'Old title', '@odata.etag': 'W/"e0"', lastModifiedDateTime: '2026-11-20T09:00:00Z' };
    expect(await applyGraphChange(w.services, change('task', { containerId: 'list1', etag: 'W/"e0"', item: older }))).toMatchObject({ action: 'skipped', reason: 'staleOrEcho' });
    expect(w.calls).toMatchObject({ graphGet: 1, crmWrite: 0 });
    expect(w.row.subject).toBe('Send the contract');
  });

  test('a link that recorded no time for its etag (written before) reads the task', async () => {
    const w = world('task', taskItem(), TASK_OPEN);
    const copy = w.editOutlook({ title: 'Send the signed contract' }, '2026-11-20T11:00:00Z', 'W/"e2"');
    expect(await applyGraphChange(w.services, change('task', { containerId: 'list1', etag: 'W/"e2"', item: copy }))).toMatchObject({ action: 'updated' });
    expect(w.calls).toMatchObject({ graphGet: 1, crmWrite: 1 });
    expect(w.link.graphModified).toEqual({ etag: 'W/"e2"', at: '2026-11-20T11:00:00Z' });
  });

  test('a copy overtaken by a newer Outlook edit: our Exchange write\'s If-Match fails and the task is read', async () => {
    const w = world('task', taskItem(), TASK_OPEN, synced);
    const copy = w.editOutlook({ title: 'Second title' }, '2026-11-20T11:00:00Z', 'W/"e2"');
    // Both sides changed (so the merge writes to Exchange too), and Outlook moved on after the delta page.
    w.editCrm({ prioritycode: 2 });
    w.editOutlook({ title: 'Third title' }, '2026-11-20T11:30:00Z', 'W/"e3"');
    expect(await applyGraphChange(w.services, change('task', { containerId: 'list1', etag: 'W/"e2"', item: copy }))).toMatchObject({ action: 'updated' });
    expect(w.calls).toMatchObject({ graphGet: 1, graphPatch: 2 });
    expect(w.row).toMatchObject({ subject: 'Third title', prioritycode: 2 });
  });
});
