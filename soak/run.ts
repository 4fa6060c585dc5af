/**
 * `npm run soak -- --operations 2000 --mailboxes 5 [--seed N]`: the chaos soak (soak.ts). Prints the seed
 * first (a run is repeated with `--seed`), the figures as a table and the path of the JSON results, and
 * exits 1 on any violation (2 when the run itself could not complete).
 */
import path from 'node:path';
import { packageRoot } from '../shared/app-info';
import { parseArgs } from './args';
import { formatTable, writeResults } from './report';
import { runSoak } from './soak';

async function main(): Promise<number> {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  options.out ??= path.join(packageRoot(), 'soak', 'results', `${stamp}.json`);
  options.hostLog ??= options.out.replace(/\.json$/, '') + '.host.log';
  console.log(`seed ${options.seed} (repeat this run with --seed ${options.seed})`);
  const log = (line: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const result = await runSoak(options, log);
  console.log('');
  console.log(formatTable(result));
  console.log('');
  const file = writeResults(result, options.out);
  console.log(`results: ${file} (the app host's output: ${options.hostLog})`);
  console.log(JSON.stringify({ seed: result.seed, passed: result.passed, operations: result.operations.applied, faults: result.faults.toSync, convergenceMs: result.convergence.totalMs, duplicates: result.state.duplicates, lostEdits: result.state.lostEdits, poisoned: result.poisoned.count, violations: result.violations.length }));
  return result.passed ? 0 : 1;
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : String(error));
  process.exit(2);
});
