/**
 * The asynchronous service as far as webhook steps go: each asynchronous step firing becomes a System Job
 * (asyncoperation) delivered after the Web API has answered. A failed delivery is retried after the
 * configured delays (the online retry schedule is not documented; the asyncoperation table has a retrycount
 * and the job waits in Suspended/Waiting with postponeuntil meanwhile); after the last retry the job is
 * Completed/Failed with the error. Jobs run independently, so completion order is not creation order
 * (as documented: "the order is not guaranteed"). State values: PAD asynchronous-service.md.
 */
import type { DeliveryInfo, WebhookDeliverer } from './webhook-delivery';

export const JOB_STATE = { Ready: 0, Suspended: 1, Locked: 2, Completed: 3 } as const;
export const JOB_STATUS = { WaitingForResources: 0, Waiting: 10, InProgress: 20, Succeeded: 30, Failed: 31, Canceled: 32 } as const;
/** ServiceBusPostFailed (0x80044175) as a signed int, the error recorded on a failed webhook job. */
export const WEBHOOK_JOB_ERROR_CODE = -2147204747;

const STATUS_NAMES: Record<number, string> = {
  0: 'WaitingForResources', 10: 'Waiting', 20: 'InProgress', 30: 'Succeeded', 31: 'Failed', 32: 'Canceled',
};

export interface SystemJob {
  asyncoperationid: string;
  name: string;
  /** 1 = System Event */
  operationtype: number;
  statecode: number;
  statuscode: number;
  /** Readable status (statuscode's label). */
  status: string;
  /** The step (OwningExtensionId). */
  owningextensionid: string;
  serviceendpointid: string;
  messagename: string;
  primaryentitytype: string;
  regardingobjectid: string;
  correlationid: string;
  createdon: string;
  startedon?: string;
  completedon?: string;
  postponeuntil?: string;
  retrycount: number;
  /** Delivery attempts made by the asynchronous service (each may be one or two HTTP POSTs). */
  attempts: number;
  errorcode?: number;
  /** The last error (also `friendlymessage`). */
  message?: string;
  friendlymessage?: string;
  /** Deleted after success because the step has asyncautodelete. */
  autoDeleted?: boolean;
}

interface QueuedJob {
  job: SystemJob;
  delivery: DeliveryInfo;
  autoDelete: boolean;
  timer?: NodeJS.Timeout;
}

export class SystemJobQueue {
  private readonly jobs: QueuedJob[] = [];
  private readonly parked = new Set<QueuedJob>();
  private readonly idleWaiters = new Set<() => void>();
  private paused = false;
  private closed = false;

  constructor(
    private readonly deliverer: WebhookDeliverer,
    private readonly retryDelaysMs: () => number[],
    private readonly onChange: (job: SystemJob) => void = () => {},
  ) {}

  enqueue(job: Omit<SystemJob, 'statecode' | 'statuscode' | 'status' | 'retrycount' | 'attempts'>, delivery: DeliveryInfo, autoDelete: boolean): SystemJob {
    const entry: QueuedJob = {
      job: { ...job, statecode: JOB_STATE.Ready, statuscode: JOB_STATUS.WaitingForResources, status: 'WaitingForResources', retrycount: 0, attempts: 0 },
      delivery,
      autoDelete,
    };
    this.jobs.push(entry);
    this.onChange(entry.job);
    this.schedule(entry, 0);
    return { ...entry.job };
  }

  list(): SystemJob[] { return this.jobs.map((j) => ({ ...j.job })); }

  /** Forgets completed jobs (a test's clean slate) and returns them; pending ones keep running. */
  clearCompleted(): SystemJob[] {
    const removed: SystemJob[] = [];
    for (let i = this.jobs.length - 1; i >= 0; i--) {
      if (this.jobs[i]!.job.statecode === JOB_STATE.Completed) removed.push(this.jobs.splice(i, 1)[0]!.job);
    }
    return removed;
  }

  /** Jobs not yet completed (ready, waiting for a retry, in progress, or held by a pause). */
  pending(): number { return this.jobs.filter((j) => j.job.statecode !== JOB_STATE.Completed).length; }

  isPaused(): boolean { return this.paused; }
  pause(): void { this.paused = true; }

  resume(): void {
    this.paused = false;
    const held = [...this.parked];
    this.parked.clear();
    for (const entry of held) this.schedule(entry, 0);
  }

  /** Resolves once no job is pending, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<{ idle: boolean; pending: number }> {
    if (this.pending() > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done(): void { clearTimeout(timer); resolve(); }
        this.idleWaiters.add(done);
      });
    }
    return { idle: this.pending() === 0, pending: this.pending() };
  }

  close(): void {
    this.closed = true;
    for (const entry of this.jobs) clearTimeout(entry.timer);
    for (const done of this.idleWaiters) done();
    this.idleWaiters.clear();
  }

  private set(entry: QueuedJob, statecode: number, statuscode: number, extra: Partial<SystemJob> = {}): void {
    entry.job = { ...entry.job, ...extra, statecode, statuscode, status: STATUS_NAMES[statuscode] ?? String(statuscode) };
    this.onChange(entry.job);
    if (this.pending() === 0) {
      for (const done of [...this.idleWaiters]) done();
      this.idleWaiters.clear();
    }
  }

  private schedule(entry: QueuedJob, delayMs: number): void {
    if (this.closed) return;
    entry.timer = setTimeout(() => { void this.run(entry); }, delayMs);
  }

  private async run(entry: QueuedJob): Promise<void> {
    if (this.closed) return;
    if (this.paused) {
      this.parked.add(entry);
      return;
    }
    const now = new Date().toISOString();
    this.set(entry, JOB_STATE.Locked, JOB_STATUS.InProgress, { startedon: entry.job.startedon ?? now, postponeuntil: undefined, attempts: entry.job.attempts + 1 });
    const result = await this.deliverer.deliver(entry.delivery);
    if (this.closed) return;
    const completedon = new Date().toISOString();
    if (result.ok) {
      this.set(entry, JOB_STATE.Completed, JOB_STATUS.Succeeded, { completedon, ...(entry.autoDelete ? { autoDeleted: true } : {}) });
      return;
    }
    const delays = this.retryDelaysMs();
    if (entry.job.retrycount < delays.length) {
      const delay = delays[entry.job.retrycount]!;
      this.set(entry, JOB_STATE.Suspended, JOB_STATUS.Waiting, {
        retrycount: entry.job.retrycount + 1,
        postponeuntil: new Date(Date.now() + delay).toISOString(),
        message: result.error,
        friendlymessage: result.error,
        errorcode: WEBHOOK_JOB_ERROR_CODE,
      });
      this.schedule(entry, delay);
      return;
    }
    this.set(entry, JOB_STATE.Completed, JOB_STATUS.Failed, {
      completedon, message: result.error, friendlymessage: result.error, errorcode: WEBHOOK_JOB_ERROR_CODE,
    });
  }
}
