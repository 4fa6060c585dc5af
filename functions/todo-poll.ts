import { app, type InvocationContext, type Timer } from '@azure/functions';
import { runWithRequestContext } from '../shared/observability/request-context';
import { getRuntime } from '../shared/runtime';
import { pollTodo } from '../shared/sync/background';

const runtime = getRuntime();

/** To Do tasks cannot be subscribed to by apps: a delta round per mailbox on a schedule. */
export async function todoPoll(_timer: Timer, context: InvocationContext): Promise<void> {
  // One id for the round's Graph calls (client-request-id) and its log lines.
  const correlationId = context.invocationId;
  const enqueued = await runWithRequestContext({ correlationId, log: runtime.log.child({ correlationId, job: 'todoPoll' }) }, () => pollTodo(runtime));
  if (enqueued > 0) context.log(JSON.stringify({ message: 'To Do changes enqueued', enqueued, correlationId }));
}

app.timer('todoPoll', { schedule: '%SYNC_TODO_POLL_SCHEDULE%', runOnStartup: false, handler: todoPoll });
