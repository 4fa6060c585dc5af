/**
 * What the sync worker did, read back from the host's output: how many times the host ran it, and the
 * correlation ids of the work items it took (the sandbox runs with SYNC_LOG_LEVEL=debug so that skipped
 * items are logged too). This is how the property tests see what an HTTP function enqueued.
 */
export function workerRuns(hostOutput: string[]): number {
  return hostOutput.join('').split("Executing 'Functions.syncWorker'").length - 1;
}

export interface WorkerLine {
  message: string;
  correlationId?: string;
  kind?: string;
  reason?: string;
}

/** Every structured line the worker logged about a work item. */
export function workerLines(hostOutput: string[]): WorkerLine[] {
  const lines: WorkerLine[] = [];
  for (const line of hostOutput.join('').split('\n')) {
    const start = line.indexOf('{"time"');
    if (start < 0) continue;
    let entry: WorkerLine;
    try { entry = JSON.parse(line.slice(start)) as WorkerLine; } catch { continue; }
    if (entry.message?.startsWith('work item')) lines.push(entry);
  }
  return lines;
}
