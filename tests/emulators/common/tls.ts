/**
 * The sandbox certificate. The real services are HTTPS, msal-node refuses an http authority and the Graph
 * client sends no token to http hosts, so every emulator serves HTTPS with one self-signed certificate for
 * 127.0.0.1/localhost. Processes trust it through NODE_EXTRA_CA_CERTS (read by Node at start-up only, which
 * is why `npm test` and `npm start` create it before Node starts the code that needs it).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../../shared/app-info';

export interface SandboxCertificate {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

/** Where the sandbox keeps generated material; relative to the repository root, git-ignored. */
export const DEFAULT_CERT_DIR = path.join(packageRoot(), '.sandbox', 'tls');


export function ensureSandboxCertificate(dir: string = DEFAULT_CERT_DIR): SandboxCertificate {
  const certPath = path.join(dir, 'sandbox-ca.pem');
  const keyPath = path.join(dir, 'sandbox-key.pem');
  if (!fs.existsSync(certPath) || !fs.existsSync(keyPath)) {
    fs.mkdirSync(dir, { recursive: true });
    // Generate into a private temp folder, then rename: parallel test workers may race here.
    const tmp = fs.mkdtempSync(path.join(dir, 'gen-'));
    const tmpCert = path.join(tmp, 'cert.pem');
    const tmpKey = path.join(tmp, 'key.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650',
      '-keyout', tmpKey, '-out', tmpCert, '-subj', '/CN=crm-exchange-sync sandbox',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
      '-addext', 'extendedKeyUsage=serverAuth',
    ], { stdio: 'ignore' });
    fs.renameSync(tmpKey, keyPath);
    fs.renameSync(tmpCert, certPath);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { certPath, keyPath, cert: fs.readFileSync(certPath, 'utf8'), key: fs.readFileSync(keyPath, 'utf8') };
}

if (require.main === module) {
  const { certPath } = ensureSandboxCertificate(process.argv[2] ?? DEFAULT_CERT_DIR);
  console.log(certPath);
}
