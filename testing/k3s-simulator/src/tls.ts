/**
 * A certificate authority made at start (with the `openssl` command, present on every Linux
 * runner), a serving certificate for loopback signed by it, and a client certificate for
 * kubeconfigs that authenticate the way K3s's admin kubeconfig does.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClusterCertificates {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error('the cluster simulator needs the openssl command to make its CA: apt-get install -y openssl', {
        cause: error,
      });
    }
    throw new Error(`openssl ${args[0]} failed: ${failure.stderr ?? failure.message}`, { cause: error });
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function signed(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  await openssl(['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(
    [
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
      '3650',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

export async function generateCertificates(): Promise<ClusterCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'cluster-simulator-ca-'));
  try {
    // The default `req -x509` extensions (v3_ca) make a CA certificate Go's TLS accepts.
    await openssl(
      ['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=k3s-server-ca'],
      dir,
    );
    await signed(
      dir,
      'server',
      '/CN=k3s',
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default\n',
    );
    await signed(
      dir,
      'client',
      '/O=system:masters/CN=system:admin',
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    );
    const read = (file: string): Promise<string> => readFile(join(dir, file), 'utf8');
    return {
      caCert: await read('ca.crt'),
      serverCert: await read('server.crt'),
      serverKey: await read('server.key'),
      clientCert: await read('client.crt'),
      clientKey: await read('client.key'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
