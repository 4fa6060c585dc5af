/**
 * `npm start`: the whole sandbox on its well-known ports — Azurite (10000-10002), identity (7300), Graph
 * (7301), Dataverse (7302) and the app in the local Functions host (7071, HTTPS) — seeded with a tenant,
 * an org and sample data, the Dataverse webhook steps registered against the app. Ctrl+C stops it all.
 */
import { SANDBOX_PORTS } from '../../tests/emulators/common/ports';
import { startSandbox } from './sandbox';

async function main(): Promise<void> {
  const started = Date.now();
  const sandbox = await startSandbox({ ports: SANDBOX_PORTS, azuriteDefaultPorts: process.env.SANDBOX_AZURITE_FREE_PORTS !== '1', echoHostOutput: true });
  const m = sandbox.manifest;
  const lines = [
    '',
    `crm-exchange-sync sandbox is running (${((Date.now() - started) / 1000).toFixed(1)} s):`,
    `  Functions app   ${m.urls.functions}   (health: ${m.urls.functions}/health; function key: ${m.functionKey})`,
    `  Identity        ${m.authority}   (manifest: ${m.urls.identity}/sandbox/manifest)`,
    `  Graph           ${m.urls.graph}`,
    `  Dataverse       ${m.urls.dataverse}/api/data/v9.2`,
    `  Storage         Azurite (${sandbox.azurite.ports.blob}/${sandbox.azurite.ports.queue}/${sandbox.azurite.ports.table})`,
    `  Users           ${m.users.map((u) => u.userPrincipalName).join(', ')}`,
    `  Webhook steps   ${sandbox.registration ? `${sandbox.registration.created.length} created, ${sandbox.registration.unchanged} unchanged` : 'not registered'}`,
    '',
    'HTTPS uses the sandbox certificate: curl --cacert .sandbox/tls/sandbox-ca.pem ... (the README shows a tour).',
    'Ctrl+C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping the sandbox...\n');
    void sandbox.stop().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  process.stderr.write(`The sandbox failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
