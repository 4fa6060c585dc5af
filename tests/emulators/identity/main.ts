/** Starts the identity emulator alone: `node dist/tests/emulators/identity/main.js` (port SANDBOX_IDENTITY_PORT, default 7300). */
import { SANDBOX_PORTS } from '../common/ports';
import { ensureSandboxCertificate } from '../common/tls';
import { defaultSeed } from '../seed';
import { createIdentityEmulator } from './server';

async function main(): Promise<void> {
  const seed = defaultSeed(`https://127.0.0.1:${SANDBOX_PORTS.dataverse}`);
  const identity = await createIdentityEmulator({ seed, tls: ensureSandboxCertificate() });
  const url = await identity.listen(SANDBOX_PORTS.identity);
  console.log(`Identity emulator listening on ${url}/${seed.tenantId}`);
  const stop = (): void => { void identity.close().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
