import { runInitialSync } from './scenario-initial-sync';
import { Environment } from './environment';
const origStop = Environment.prototype.stop;
Environment.prototype.stop = async function (this: Environment) {
  const lines = this.sandbox.hostOutput.join('').split('\n');
  require('fs').writeFileSync('/tmp/host.log', lines.join('\n'));
  return origStop.call(this);
};
runInitialSync({ rows: Number(process.argv[2] ?? 4000), latencyMs: 50, budgetDivisor: 10 }).then((r) => {
  const d = r.details as any; console.log(d.syncedPerSecond.join(','), d.subscriptions, d.wallMs);
  process.exit(0);
});
