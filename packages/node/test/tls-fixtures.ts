// Certificates for the dispatcher tests, made with the openssl CLI (Node cannot create X.509
// certificates): a throw-away CA, a server certificate for 127.0.0.1 and a client certificate for mTLS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsFixtures {
  ca: string;
  server: { key: string; cert: string };
  client: { key: string; cert: string };
  /** A client certificate signed by its own key (RFC 8705 `self_signed_tls_client_auth`). */
  selfSigned: { key: string; cert: string };
}

/** Whether the openssl CLI is on the PATH. */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates a CA and, signed by it, a server certificate (SAN 127.0.0.1, localhost) and a client certificate;
 * and a self-signed client certificate.
 */
export function createTlsFixtures(): TlsFixtures {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  try {
    openssl(
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=Tessera Test CA',
    );
    const issue = (name: string, subject: string, extensions: string): void => {
      writeFileSync(file(`${name}.ext`), extensions);
      openssl('req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '1',
        '-extfile',
        `${name}.ext`,
      );
    };
    issue(
      'server',
      '/CN=127.0.0.1',
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
    );
    issue('client', '/CN=tessera-client', 'extendedKeyUsage=clientAuth\n');
    openssl(
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      'self.key',
      '-out',
      'self.crt',
      '-days',
      '1',
      '-subj',
      '/CN=tessera-self',
    );
    const read = (name: string): string => readFileSync(file(name), 'utf8');
    return {
      ca: read('ca.crt'),
      server: { key: read('server.key'), cert: read('server.crt') },
      client: { key: read('client.key'), cert: read('client.crt') },
      selfSigned: { key: read('self.key'), cert: read('self.crt') },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
