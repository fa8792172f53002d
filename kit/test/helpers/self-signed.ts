// A self-signed certificate for a test's TLS endpoint, as a managed Redis on Heroku shows one.
// Made by openssl: Node can serve with a certificate but cannot make one.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface KeyAndCertificate {
  readonly key: string;
  readonly cert: string;
}

/** A key and a certificate for 127.0.0.1 that no CA signed; null where openssl is not installed. */
export function selfSignedCertificate(): KeyAndCertificate | null {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kit-test-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
