/**
 * Starts the Graph emulator alone: `node dist/tests/emulators/graph/main.js`. Ports come from
 * tests/emulators/common/ports.ts (SANDBOX_GRAPH_PORT, SANDBOX_IDENTITY_PORT, SANDBOX_DATAVERSE_PORT);
 * the identity emulator must be reachable at its port for tokens to be verified.
 */
import { SANDBOX_PORTS } from '../common/ports';
import { ensureSandboxCertificate } from '../common/tls';
import { defaultSeed } from '../seed';
import { createGraphEmulator } from './server';

async function main(): Promise<void> {
  const seed = defaultSeed(`https://127.0.0.1:${SANDBOX_PORTS.dataverse}`);
  const emulator = createGraphEmulator({
    seed,
    tls: ensureSandboxCertificate(),
    identityUrl: `https://127.0.0.1:${SANDBOX_PORTS.identity}`,
  });
  const url = await emulator.listen(SANDBOX_PORTS.graph);
  console.log(`Graph emulator listening on ${url}/v1.0`);
  const stop = (): void => { void emulator.close().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
