/**
 * Starts the Dataverse emulator alone: `node dist/tests/emulators/dataverse/main.js`, on the sandbox port
 * (SANDBOX_DATAVERSE_PORT, default 7302), trusting the identity emulator on its sandbox port.
 */
import { SANDBOX_PORTS } from '../common/ports';
import { ensureSandboxCertificate } from '../common/tls';
import { defaultSeed } from '../seed';
import { createDataverseEmulator } from './server';

async function main(): Promise<void> {
  const orgUrl = `https://127.0.0.1:${SANDBOX_PORTS.dataverse}`;
  const emulator = createDataverseEmulator({
    seed: defaultSeed(orgUrl),
    tls: ensureSandboxCertificate(),
    identityUrl: `https://127.0.0.1:${SANDBOX_PORTS.identity}`,
    orgUrl,
  });
  const url = await emulator.listen(SANDBOX_PORTS.dataverse);
  console.log(`dataverse emulator listening on ${url}`);
  const stop = (): void => { emulator.close().finally(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
