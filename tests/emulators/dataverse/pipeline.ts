/**
 * Create, Update and Delete as the platform runs them, for any registered table:
 * - system columns: createdon/modifiedon, createdby/modifiedby = the effective user, createdonbehalfby/
 *   modifiedonbehalfby = the calling application user when impersonating (impersonate-another-user-web-api.md),
 *   versionnumber from the org-wide row version (a new one per write);
 * - ownership: ownerid defaults to the effective user; owninguser/owningteam/owningbusinessunit follow it;
 * - state rules (state-rules.ts), closed activities read-only, actualend stamped when an activity is closed;
 * - computed columns (contact fullname), duplicate detection on request, activity parties;
 * - the messages plug-ins see. Per special-update-operation-behavior.md an Update carrying owner or state columns
 *   runs Update once for the other columns and once for the owner / state columns; the deprecated messages'
 *   plug-ins keep firing, so an owner change also emits Assign and a state change SetState (the webhooks side may
 *   also treat it as SetStateDynamicEntity). A reopening PATCH applies the state part first so its other columns
 *   can be written.
 */
import { removeParties, replaceParties, syncOwnerParty, validateParties, withPartyLists } from './activity-parties';
import type { EntityRef, Row, TableDefinition } from './context';
import { dataverseError, duplicateDetected, missingPrivilege, notFound, outOfRange, readOnlyRecord, requiredMissing } from './errors';
import { newRowId } from './ids';
import type { OperationBus, RequestInfo } from './operations';
import type { ParsedPayload } from './payload';
import { blankRow, schemaName, type TableRegistry } from './schema';
import { isReadOnlyState, stateOnCreate, stateOnUpdate, type StatePair } from './state-rules';
import type { RowStore } from './store';
import { toStoredInstant } from './values';

const PARTIES = 'appointment_activity_parties';
const SYSTEM_COLUMNS = ['modifiedon', 'modifiedby', 'modifiedonbehalfby'];

export interface PipelineDeps {
  registry: TableRegistry;
  store: RowStore;
  bus: OperationBus;
  businessUnitId: string;
}

function ref(logicalName: string, id: string): EntityRef {
  return { id, logicalName };
}

function nonNull(row: Row): Row {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null && v !== undefined));
}

/** Columns the platform computes from others. */
function derive(table: TableDefinition, row: Row): Row {
  if (table.logicalName !== 'contact' && table.logicalName !== 'systemuser') return row;
  const join = (...parts: unknown[]): string | null => parts.filter((p) => typeof p === 'string' && p).join(' ') || null;
  const fullname = join(row.firstname, row.lastname);
  const out: Row = { ...row, fullname };
  if ('yomifullname' in table.columns) out.yomifullname = join(row.yomifirstname, row.yomilastname) ?? fullname;
  return out;
}

function privilegeName(operation: 'Create' | 'Write' | 'Delete', table: TableDefinition): string {
  return `prv${operation}${table.logicalName === 'systemuser' ? 'User' : schemaName(table.logicalName)}`;
}

export class WritePipeline {
  constructor(private readonly deps: PipelineDeps) {}

  private get store(): RowStore { return this.deps.store; }

  /** The row as listeners see it (party lists filled in). */
  materialize(table: TableDefinition, row: Row): Row {
    return withPartyLists(table, row, this.store);
  }

  private refuseReadOnlyTable(table: TableDefinition, operation: 'Create' | 'Write' | 'Delete', request: RequestInfo): void {
    if (table.readOnly) {
      throw missingPrivilege(request.caller.callerSystemUserId, privilegeName(operation, table), table.objectTypeCode ?? 0, table.logicalName);
    }
  }

  private audit(request: RequestInfo, now: string): Row {
    const { caller } = request;
    return {
      modifiedon: now,
      modifiedby: ref('systemuser', caller.effectiveSystemUserId),
      modifiedonbehalfby: caller.effectiveSystemUserId !== caller.callerSystemUserId ? ref('systemuser', caller.callerSystemUserId) : null,
      versionnumber: this.store.nextVersion(),
    };
  }

  private ownerColumns(owner: EntityRef): Row {
    return {
      ownerid: owner,
      owninguser: owner.logicalName === 'systemuser' ? owner : null,
      owningteam: owner.logicalName === 'team' ? owner : null,
      owningbusinessunit: ref('businessunit', this.deps.businessUnitId),
    };
  }

  private checkDuplicates(table: TableDefinition, row: Row, request: RequestInfo): void {
    if (!request.duplicateDetection) return;
    // The out-of-the-box published rules: "Contacts with the same e-mail address", "Accounts with the same Account Name".
    const column = table.logicalName === 'contact' ? 'emailaddress1' : table.logicalName === 'account' ? 'name' : undefined;
    const value = column ? row[column] : undefined;
    if (!column || typeof value !== 'string') return;
    const id = row[table.primaryIdAttribute];
    const clash = this.store.rows(table.logicalName).some((r) =>
      r[table.primaryIdAttribute] !== id && typeof r[column] === 'string' && (r[column] as string).toLowerCase() === value.toLowerCase());
    if (clash) throw duplicateDetected();
  }

  async create(table: TableDefinition, payload: ParsedPayload, request: RequestInfo, keyFromUrl?: string): Promise<Row> {
    this.refuseReadOnlyTable(table, 'Create', request);
    const pk = table.primaryIdAttribute;
    const bodyKey = payload.values[pk] as string | undefined;
    if (keyFromUrl && bodyKey && bodyKey !== keyFromUrl) {
      throw dataverseError(400, '0x80040203', `The value of '${pk}' in the body does not match the key in the URL.`);
    }
    const id = (keyFromUrl ?? bodyKey ?? newRowId()).toLowerCase();
    if (this.store.get(table.logicalName, id)) throw dataverseError(412, '0x80040237', 'Cannot insert duplicate key.');
    const parties = payload.collections[PARTIES];
    if (parties) validateParties(parties);
    for (const name of Object.keys(payload.collections)) {
      if (name !== PARTIES && !table.collections?.[name]) throw dataverseError(400, '0x80040203', `Unknown collection '${name}'.`);
    }

    const now = toStoredInstant(new Date());
    let row: Row = blankRow(table);
    const { statecode, statuscode, ...values } = payload.values;
    row = { ...row, ...values, [pk]: id };
    for (const [column, def] of Object.entries(table.columns)) {
      if (def.required && (row[column] === null || row[column] === undefined)) throw requiredMissing(table.logicalName, column);
    }
    if (statecode === null || statuscode === null) throw outOfRange(table.logicalName, statecode === null ? 'statecode' : 'statuscode', null);
    const state = stateOnCreate(table, id, { statecode: statecode as number | undefined, statuscode: statuscode as number | undefined });
    if (state) Object.assign(row, state);
    if (table.ownership === 'UserOwned') {
      const owner = (values.ownerid as EntityRef | null | undefined) ?? ref('systemuser', request.caller.effectiveSystemUserId);
      Object.assign(row, this.ownerColumns(owner));
    }
    const audit = this.audit(request, now);
    const createdOn = typeof row.overriddencreatedon === 'string' ? row.overriddencreatedon : now;
    Object.assign(row, audit, {
      createdon: createdOn,
      createdby: audit.modifiedby,
      createdonbehalfby: audit.modifiedonbehalfby,
    });
    if (table.isActivity) Object.assign(row, { activitytypecode: table.logicalName, isregularactivity: true });
    row = derive(table, row);
    row = Object.fromEntries(Object.entries(row).filter(([k]) => k in table.columns));
    this.checkDuplicates(table, row, request);

    this.store.put(table.logicalName, id, row);
    const activity = ref(table.logicalName, id);
    if (parties) replaceParties(this.store, activity, parties);
    if (table.isActivity) syncOwnerParty(this.store, activity, (row.ownerid as EntityRef | null) ?? null);
    const after = this.materialize(table, row);
    await this.deps.bus.publish('Create', table, id, request, { target: nonNull(after), after });

    // Deep insert of other related rows (e.g. Contact_Tasks): each is its own Create, after the parent's.
    for (const [name, items] of Object.entries(payload.collections)) {
      if (name === PARTIES) continue;
      const relation = table.collections![name]!;
      const related = this.deps.registry.require(relation.table);
      for (const item of items) {
        await this.create(related, { ...item, values: { ...item.values, [relation.referencingAttribute]: activity } }, request);
      }
    }
    return after;
  }

  async update(table: TableDefinition, id: string, payload: ParsedPayload, request: RequestInfo): Promise<Row> {
    this.refuseReadOnlyTable(table, 'Write', request);
    const pk = table.primaryIdAttribute;
    const stored = this.store.get(table.logicalName, id);
    if (!stored) throw notFound(table.logicalName, id);
    const { [pk]: bodyKey, ownerid, statecode, statuscode, ...normal } = payload.values;
    if (bodyKey !== undefined && bodyKey !== id) throw dataverseError(400, '0x80040203', `The value of '${pk}' cannot be changed.`);
    const parties = payload.collections[PARTIES];
    for (const name of Object.keys(payload.collections)) {
      if (name !== PARTIES) throw dataverseError(400, '0x80040203', `Deep update of '${name}' is not supported: update the related rows directly.`);
    }
    if (parties) validateParties(parties);
    if (statecode === null || statuscode === null) throw outOfRange(table.logicalName, statecode === null ? 'statecode' : 'statuscode', null);
    if ('ownerid' in payload.values && ownerid === null) throw dataverseError(400, '0x80040203', 'A validation error occurred. ownerid cannot be empty.');

    const current: StatePair = { statecode: stored.statecode as number, statuscode: stored.statuscode as number };
    const newState = stateOnUpdate(table, id, current, { statecode: statecode as number | undefined, statuscode: statuscode as number | undefined });
    const stateChanges = newState !== undefined && (newState.statecode !== current.statecode || newState.statuscode !== current.statuscode);
    const owner = ownerid as EntityRef | undefined;
    const ownerChanges = owner !== undefined && (owner.id !== (stored.ownerid as EntityRef | null)?.id || owner.logicalName !== (stored.ownerid as EntityRef | null)?.logicalName);
    const hasNormal = Object.keys(normal).length > 0 || parties !== undefined;
    const closed = isReadOnlyState(table, stored.statecode);
    const reopening = closed && stateChanges && !isReadOnlyState(table, newState!.statecode);
    if (closed && !reopening && hasNormal) throw readOnlyRecord();
    for (const [column, def] of Object.entries(table.columns)) {
      if (def.required && column in normal && normal[column] === null) throw dataverseError(400, '0x80040203', `A validation error occurred. ${column} cannot be empty.`);
    }
    this.checkDuplicates(table, derive(table, { ...stored, ...normal }), request);

    let row: Row = stored;
    const activity = ref(table.logicalName, id);
    const write = async (changes: Row, messages: Array<'Update' | 'Assign' | 'SetState'>, targetExtra: Row, partyItems?: ParsedPayload[]): Promise<void> => {
      const before = this.materialize(table, row);
      const now = toStoredInstant(new Date());
      const audit = this.audit(request, now);
      let next: Row = derive(table, { ...row, ...changes, ...audit });
      next = Object.fromEntries(Object.entries(next).filter(([k]) => k in table.columns || k === pk));
      this.store.put(table.logicalName, id, next);
      if (partyItems) replaceParties(this.store, activity, partyItems);
      if (table.isActivity && changes.ownerid) syncOwnerParty(this.store, activity, changes.ownerid as EntityRef);
      row = next;
      const after = this.materialize(table, next);
      const computed: Row = {};
      for (const column of ['fullname', 'yomifullname']) if (column in next && next[column] !== before[column]) computed[column] = next[column];
      const partyLists: Row = {};
      if (partyItems) for (const [c, def] of Object.entries(table.columns)) if (def.type === 'partylist') partyLists[c] = after[c];
      const systemColumns = Object.fromEntries(SYSTEM_COLUMNS.filter((c) => c in table.columns).map((c) => [c, next[c] ?? null]));
      const target = { [pk]: id, ...changes, ...partyLists, ...computed, ...systemColumns };
      for (const message of messages) {
        await this.deps.bus.publish(message, table, id, request, {
          target: message === 'Update' ? target : { [pk]: id, ...targetExtra },
          before,
          after,
        });
      }
    };

    const stateStep = async (): Promise<void> => {
      const pair = newState!;
      const changes: Row = { ...pair };
      if (table.isActivity && isReadOnlyState(table, pair.statecode) && row.actualend === null && !('actualend' in normal)) {
        changes.actualend = toStoredInstant(new Date());
      }
      await write(changes, ['Update', 'SetState'], { ...pair });
    };
    // Unchanged owner/state values in the body are plain columns of the Update.
    const plain: Row = { ...normal };
    if (owner !== undefined && !ownerChanges) plain.ownerid = owner;
    if (newState && !stateChanges) Object.assign(plain, newState);

    if (reopening) await stateStep();
    if (hasNormal || (!ownerChanges && !stateChanges)) await write(plain, ['Update'], {}, parties);
    if (ownerChanges) await write(this.ownerColumns(owner!), ['Update', 'Assign'], { ownerid: owner });
    if (stateChanges && !reopening) await stateStep();
    return this.materialize(table, row);
  }

  async delete(table: TableDefinition, id: string, request: RequestInfo): Promise<void> {
    this.refuseReadOnlyTable(table, 'Delete', request);
    const stored = this.store.get(table.logicalName, id);
    if (!stored) throw notFound(table.logicalName, id);
    const before = this.materialize(table, stored);
    if (table.isActivity) removeParties(this.store, ref(table.logicalName, id));
    this.store.remove(table.logicalName, id);
    await this.deps.bus.publish('Delete', table, id, request, { target: {}, before });
  }
}

