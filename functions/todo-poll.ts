import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getRuntime } from '../shared/runtime';
import { pollTodo } from '../shared/sync/background';

const runtime = getRuntime();

/** To Do tasks cannot be subscribed to by apps: a delta round per mailbox on a schedule. */
export async function todoPoll(_timer: Timer, context: InvocationContext): Promise<void> {
  const enqueued = await pollTodo(runtime);
  if (enqueued > 0) context.log(JSON.stringify({ message: 'To Do changes enqueued', enqueued }));
}

app.timer('todoPoll', { schedule: '%SYNC_TODO_POLL_SCHEDULE%', runOnStartup: false, handler: todoPoll });
