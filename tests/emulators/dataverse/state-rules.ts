/**
 * statecode/statuscode rules (task.md / appointment.md "Messages"; special-update-operation-behavior.md):
 * - a state change sets the state's default status unless the request names a status valid for that state;
 *   a status alone must be valid for the row's current state (the state is not inferred from it);
 * - a create starts in the table's create state: a closed statecode on create is not honoured by the platform,
 *   so the status is checked against the create state (and fails: "5 is not a valid status code for state code
 *   TaskState.Open …"); an open statecode (appointment Open vs Scheduled) is kept;
 * - rows in a closed state (completed/canceled activities) are read-only until reopened.
 */
import type { TableDefinition } from './context';
import { invalidStatus } from './errors';
import { createState, defaultStatus, optionLabel, schemaName } from './schema';

export interface StatePair {
  statecode: number;
  statuscode: number;
}

export function isReadOnlyState(table: TableDefinition, statecode: unknown): boolean {
  return typeof statecode === 'number' && table.states?.[statecode]?.readOnly === true;
}

function check(table: TableDefinition, id: string, state: number, status: number): StatePair {
  if (!table.states?.[state]?.statuscodes.includes(status)) {
    const stateDef = table.columns.statecode;
    const label = stateDef ? optionLabel(stateDef, state) : String(state);
    throw invalidStatus(status, schemaName(table.logicalName), label, table.logicalName, id);
  }
  return { statecode: state, statuscode: status };
}

/** The state a create ends in, given what the request asked for. */
export function stateOnCreate(table: TableDefinition, id: string, requested: Partial<StatePair>): StatePair | undefined {
  const initial = createState(table);
  if (initial === undefined) return undefined;
  const state = requested.statecode !== undefined && !isReadOnlyState(table, requested.statecode) ? requested.statecode : initial;
  const status = requested.statuscode ?? (requested.statecode !== undefined ? defaultStatus(table, requested.statecode) : undefined) ?? defaultStatus(table, state)!;
  return check(table, id, state, status);
}

/** The state an update ends in; undefined when the request does not touch state or status. */
export function stateOnUpdate(table: TableDefinition, id: string, current: StatePair, requested: Partial<StatePair>): StatePair | undefined {
  if (!table.states || (requested.statecode === undefined && requested.statuscode === undefined)) return undefined;
  const state = requested.statecode ?? current.statecode;
  const status = requested.statuscode ?? (state !== current.statecode ? defaultStatus(table, state) : current.statuscode);
  return check(table, id, state, status ?? -1);
}
