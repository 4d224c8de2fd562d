import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const OPENSSL = '/usr/bin/openssl';

/** Node cannot make an X.509 certificate; the tests ask openssl for a throwaway one. */
export const opensslMissing = !existsSync(OPENSSL);
if (opensslMissing && process.env.CI) throw new Error('CI needs openssl for the HTTPS tests (apt-get install openssl)');
if (opensslMissing) console.error(`HTTPS tests skipped: ${OPENSSL} is not installed`);

/**
 * A self-signed certificate for this machine's loopback names (127.0.0.1, 127.0.0.2, localhost),
 * valid for a day, with its unencrypted private key: `<base>.cert.pem` and `<base>.key.pem`.
 */
export function selfSignedCertificate(base: string): { certPath: string; keyPath: string } {
  const certPath = `${base}.cert.pem`;
  const keyPath = `${base}.key.pem`;
  execFileSync(
    OPENSSL,
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost',
      '-keyout', keyPath, '-out', certPath,
    ],
    { stdio: 'ignore' },
  );
  return { certPath, keyPath };
}
