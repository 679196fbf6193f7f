/** Kubeconfig documents pointing at the simulator, shaped like K3s's /etc/rancher/k3s/k3s.yaml. */

export interface KubeconfigOptions {
  server: string;
  caCert?: string;
  token?: string;
  clientCert?: string;
  clientKey?: string;
  clusterName?: string;
  namespace?: string;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function renderKubeconfig(options: KubeconfigOptions): string {
  const name = options.clusterName ?? 'default';
  const cluster = [`- cluster:`];
  if (options.caCert) cluster.push(`    certificate-authority-data: ${base64(options.caCert)}`);
  cluster.push(`    server: ${options.server}`, `  name: ${name}`);
  const user = [`- name: ${name}`, `  user:`];
  if (options.clientCert && options.clientKey) {
    user.push(
      `    client-certificate-data: ${base64(options.clientCert)}`,
      `    client-key-data: ${base64(options.clientKey)}`,
    );
  }
  if (options.token) user.push(`    token: ${options.token}`);
  return [
    'apiVersion: v1',
    'clusters:',
    ...cluster,
    'contexts:',
    '- context:',
    `    cluster: ${name}`,
    ...(options.namespace ? [`    namespace: ${options.namespace}`] : []),
    `    user: ${name}`,
    `  name: ${name}`,
    `current-context: ${name}`,
    'kind: Config',
    'preferences: {}',
    'users:',
    ...user,
    '',
  ].join('\n');
}
