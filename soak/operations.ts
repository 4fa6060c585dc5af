/**
 * The run: `count` operations drawn from the seed, on both sides, a few at a time (each on its own
 * record), with the chaos plan injected as the operation numbers reach it. An operation that cannot apply
 * (no candidate, the item not synced yet, the row gone meanwhile) is counted as skipped; one that fails
 * for another reason is an error of the run, reported.
 */
import type { Chaos } from './chaos';
import { crmCloseAppointment, crmCreate, crmDelete, crmOwnerChange, crmTaskState, crmUpdate } from './crm-operations';
import { exchangeDelete, exchangeEdit, exchangeMove, exchangeOnlyCreate, exchangeTaskStatus } from './exchange-operations';
import type { OpContext, OpKind, OpOutcome } from './op-context';

/** How often each operation is drawn (about half on each side). */
export const OPERATION_WEIGHTS: Readonly<Record<OpKind, number>> = {
  crmCreate: 15, crmUpdate: 17, crmTaskState: 6, crmCloseAppointment: 2, crmDelete: 4, crmOwnerChange: 6,
  exchangeEdit: 25, exchangeTaskStatus: 9, exchangeMove: 7, exchangeDelete: 4, exchangeOnlyCreate: 3,
};

function run(ctx: OpContext, kind: OpKind, n: number): Promise<OpOutcome> {
  switch (kind) {
    case 'crmCreate': return crmCreate(ctx, n);
    case 'crmUpdate': return crmUpdate(ctx, n);
    case 'crmTaskState': return crmTaskState(ctx, n);
    case 'crmCloseAppointment': return crmCloseAppointment(ctx, n);
    case 'crmDelete': return crmDelete(ctx);
    case 'crmOwnerChange': return crmOwnerChange(ctx);
    case 'exchangeEdit': return exchangeEdit(ctx, n);
    case 'exchangeTaskStatus': return exchangeTaskStatus(ctx, n);
    case 'exchangeMove': return exchangeMove(ctx, n);
    case 'exchangeDelete': return exchangeDelete(ctx);
    case 'exchangeOnlyCreate': return exchangeOnlyCreate(ctx, n);
  }
}

export interface OperationsSummary {
  outcomes: OpOutcome[];
  errors: Array<{ op: number; kind: OpKind; error: string }>;
}

export async function runOperations(ctx: OpContext, count: number, concurrency: number, chaos: Chaos): Promise<OperationsSummary> {
  const summary: OperationsSummary = { outcomes: [], errors: [] };
  let next = 0;
  const lane = async (): Promise<void> => {
    for (;;) {
      const n = next++;
      if (n >= count) return;
      await chaos.before(n);
      // Each operation draws from streams of its own: op n's choices do not depend on how lanes interleave.
      const op: OpContext = { ...ctx, rng: ctx.rng.fork(`op:${n}`), values: ctx.values.fork(`values:${n}`) };
      const kind = op.rng.weighted(OPERATION_WEIGHTS);
      try {
        summary.outcomes.push({ ...(await run(op, kind, n)), op: n, at: Date.now() });
      } catch (error) {
        summary.errors.push({ op: n, kind, error: (error as Error).message });
        summary.outcomes.push({ kind, applied: false, skipped: 'error', op: n, at: Date.now() });
        ctx.log(`operation ${n} (${kind}) failed: ${(error as Error).message}`);
      }
      if ((n + 1) % 100 === 0) ctx.log(`${n + 1}/${count} operations`);
      // People pause between actions; without it the run is a flood rather than a working day.
      await new Promise((r) => setTimeout(r, op.values.int(150, 500)));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return summary;
}
