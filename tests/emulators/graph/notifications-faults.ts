/**
 * Test-control faults on notification delivery, applied to the next N notifications before they are
 * batched: drop (optionally with a `missed` lifecycle notification), delay, duplicate, or reorder (hold N,
 * then release them in reverse). Faults match in the order they were added; each counts down and ends
 * (a reorder fault ends once it has released what it holds).
 */

export type Channel = 'change' | 'lifecycle';

/** One notification on its way to an endpoint. */
export interface Outgoing {
  subscriptionId: string;
  url: string;
  channel: Channel;
  item: Record<string, unknown>;
  /** When the first POST carrying it was attempted (the retry window starts there). */
  firstAttemptMs?: number;
  /** When it was first parked (paused delivery or reauthorization pending). */
  parkedMs?: number;
}

export type FaultAction = 'drop' | 'delay' | 'duplicate' | 'reorder';
const FAULT_ACTIONS: FaultAction[] = ['drop', 'delay', 'duplicate', 'reorder'];

export interface DeliveryFault {
  action: FaultAction;
  /** How many of the next notifications it applies to. */
  count: number;
  /** Only notifications of this subscription (default: any). */
  subscriptionId?: string;
  /** Which notifications (default: change notifications only). */
  channel?: Channel | 'any';
  /** For `delay`: how long to hold each one. */
  delayMs?: number;
  /** For `drop`: also send a `missed` lifecycle notification, as Graph may when it loses notifications. */
  sendMissed?: boolean;
}

export interface ActiveFault extends DeliveryFault {
  /** Notifications a reorder fault holds, in arrival order. */
  held: Outgoing[];
}

/** Checks a fault from the HTTP control; throws RangeError listing the problems. */
export function parseFault(raw: unknown): DeliveryFault {
  const f = (raw ?? {}) as Partial<DeliveryFault>;
  const problems: string[] = [];
  if (!FAULT_ACTIONS.includes(f.action as FaultAction)) problems.push(`action must be one of ${FAULT_ACTIONS.join(', ')}`);
  if (typeof f.count !== 'number' || !Number.isInteger(f.count) || f.count < 1) problems.push('count must be an integer >= 1');
  if (f.subscriptionId !== undefined && typeof f.subscriptionId !== 'string') problems.push('subscriptionId must be a string');
  if (f.channel !== undefined && !['change', 'lifecycle', 'any'].includes(f.channel)) problems.push('channel must be change, lifecycle or any');
  if (f.action === 'delay' && !(typeof f.delayMs === 'number' && f.delayMs >= 0)) problems.push('delay needs delayMs >= 0');
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  return {
    action: f.action!, count: f.count!, subscriptionId: f.subscriptionId, channel: f.channel,
    delayMs: f.delayMs, sendMissed: f.sendMissed === true,
  };
}

export class FaultList {
  private faults: ActiveFault[] = [];

  add(fault: DeliveryFault): void {
    this.faults.push({ ...fault, held: [] });
  }

  /** The fault the notification gets (counted down), if any. */
  take(out: Outgoing): ActiveFault | undefined {
    const fault = this.faults.find((f) => f.count > 0
      && (f.subscriptionId === undefined || f.subscriptionId === out.subscriptionId)
      && ((f.channel ?? 'change') === 'any' || (f.channel ?? 'change') === out.channel));
    if (!fault) return undefined;
    fault.count -= 1;
    if (fault.count === 0 && fault.action !== 'reorder') this.remove(fault);
    return fault;
  }

  /** Ends a reorder fault; returns what it held, newest first. */
  drain(fault: ActiveFault): Outgoing[] {
    this.remove(fault);
    fault.count = 0;
    const held = fault.held.reverse();
    fault.held = [];
    return held;
  }

  /** Ends every reorder fault; returns what each held, newest first. */
  drainAll(): Outgoing[][] {
    return this.faults.filter((f) => f.action === 'reorder').map((f) => this.drain(f));
  }

  clear(): void {
    this.faults = [];
  }

  private remove(fault: ActiveFault): void {
    this.faults = this.faults.filter((f) => f !== fault);
  }
}
