/**
 * The `asyncoperation` (System Job) table, read through the Web API as the docs' troubleshooting query does:
 * `GET asyncoperations?$filter=statuscode eq 31 and _owningextensionid_value eq <stepid>&$select=name,
 * friendlymessage,errorcode,message,completedon` (PAD register-web-hook.md). Rows are written by the webhook
 * queue through `ctx.putRow`; the table is read-only to callers here (the real one also lets statecode,
 * statuscode and postponeuntil be updated, to cancel or resume a job; not modelled).
 */
import type { Row, TableDefinition } from './context';
import type { SystemJob } from './webhook-system-jobs';

export const ASYNC_OPERATION_TABLE: TableDefinition = {
  logicalName: 'asyncoperation',
  entitySetName: 'asyncoperations',
  primaryIdAttribute: 'asyncoperationid',
  primaryNameAttribute: 'name',
  ownership: 'UserOwned',
  objectTypeCode: 4700,
  readOnly: true,
  // 0 Ready: 0 Waiting For Resources; 1 Suspended: 10 Waiting; 2 Locked: 20 In Progress, 21 Pausing, 22 Canceling;
  // 3 Completed: 30 Succeeded, 31 Failed, 32 Canceled.
  states: { 0: { statuscodes: [0] }, 1: { statuscodes: [10] }, 2: { statuscodes: [20, 21, 22] }, 3: { statuscodes: [30, 31, 32] } },
  columns: {
    asyncoperationid: { type: 'uniqueidentifier' },
    name: { type: 'string', maxLength: 256 },
    // 1 System Event (a plug-in/webhook step)
    operationtype: { type: 'picklist', options: [1], labels: { 1: 'System Event' } },
    statecode: { type: 'state', options: [0, 1, 2, 3], labels: { 0: 'Ready', 1: 'Suspended', 2: 'Locked', 3: 'Completed' } },
    statuscode: {
      type: 'status', options: [0, 10, 20, 21, 22, 30, 31, 32],
      labels: { 0: 'Waiting For Resources', 10: 'Waiting', 20: 'In Progress', 21: 'Pausing', 22: 'Canceling', 30: 'Succeeded', 31: 'Failed', 32: 'Canceled' },
    },
    message: { type: 'memo', maxLength: 1073741823 },
    friendlymessage: { type: 'memo', maxLength: 1073741823 },
    errorcode: { type: 'integer' },
    owningextensionid: { type: 'lookup', targets: ['sdkmessageprocessingstep'] },
    regardingobjectid: { type: 'lookup', targets: ['appointment', 'task', 'contact'] },
    primaryentitytype: { type: 'string', maxLength: 64 },
    messagename: { type: 'string', maxLength: 160 },
    correlationid: { type: 'uniqueidentifier' },
    depth: { type: 'integer' },
    retrycount: { type: 'integer' },
    createdon: { type: 'datetime', readOnly: true },
    startedon: { type: 'datetime' },
    completedon: { type: 'datetime' },
    postponeuntil: { type: 'datetime' },
  },
};

/** Stored instants have no milliseconds (context.ts, Row). */
function instant(iso: string | undefined): string | null {
  return iso ? iso.replace(/\.\d{3}Z$/, 'Z') : null;
}

export function systemJobRow(job: SystemJob): Row {
  return {
    asyncoperationid: job.asyncoperationid,
    name: job.name,
    operationtype: job.operationtype,
    statecode: job.statecode,
    statuscode: job.statuscode,
    message: job.message ?? null,
    friendlymessage: job.friendlymessage ?? null,
    errorcode: job.errorcode ?? null,
    owningextensionid: { id: job.owningextensionid, logicalName: 'sdkmessageprocessingstep' },
    regardingobjectid: { id: job.regardingobjectid, logicalName: job.primaryentitytype },
    primaryentitytype: job.primaryentitytype,
    messagename: job.messagename,
    correlationid: job.correlationid,
    depth: 1,
    retrycount: job.retrycount,
    createdon: instant(job.createdon),
    startedon: instant(job.startedon),
    completedon: instant(job.completedon),
    postponeuntil: instant(job.postponeuntil),
  };
}
