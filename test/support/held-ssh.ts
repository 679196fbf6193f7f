import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLinkProxy, startSshHost, type LinkProxy, type LocalSshHost } from '@sophia-testing/ssh-hosts';

/**
 * A real sshd behind a link that has stalled: a connection to it is accepted, then nothing passes
 * either way, so the server's banner never arrives and an SSH client stays in its connect (TCP
 * connected, handshake not begun) until its own connect-timeout, 30 s by default.
 */
export interface HeldSshLink {
  /** The SSH inputs of an action that connects through the link (host key check off: no key ever arrives). */
  inputs(): Record<string, string>;
  /** True once the link has accepted a connection since `mark()`: a step is then connecting. */
  connecting(): boolean;
  /** Notes the connections accepted so far, so that `connecting()` waits for the next one. */
  mark(): void;
  stop(): Promise<void>;
}

/** Starts the sshd and the stalled link in front of it. */
export async function startHeldSshLink(): Promise<HeldSshLink> {
  const sshHost: LocalSshHost = await startSshHost();
  let proxy: LinkProxy | undefined;
  try {
    proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: sshHost.sshPort });
    proxy.stall();
  } catch (error) {
    await sshHost.stop();
    throw error;
  }
  const link = proxy;
  let seen = 0;
  return {
    inputs: () => ({
      host: `127.0.0.1:${link.port}`,
      user: sshHost.user,
      'ssh-key': sshHost.privateKey,
      'insecure-skip-host-key-check': 'true',
    }),
    connecting: () => link.connections > seen,
    mark: () => {
      seen = link.connections;
    },
    stop: async () => {
      await link.stop();
      await sshHost.stop();
    },
  };
}

/** The Kubernetes inputs of a deploy or rollback that runs kubectl over SSH, with the manifests of `heldLinkWorkspace`. */
export const KUBECTL_OVER_SSH = { 'kubectl-command': 'k3s kubectl', manifests: 'kubernetes', namespace: 'sophia' };

/**
 * A fresh workspace holding what the connecting actions would read once connected: a manifest
 * under `kubernetes/` and a build under `dist/`. The caller removes it.
 */
export function heldLinkWorkspace(prefix: string): string {
  const workspace = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(workspace, 'kubernetes'));
  writeFileSync(
    join(workspace, 'kubernetes', 'backend.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sophia-backend\ndata:\n  tier: backend\n',
  );
  mkdirSync(join(workspace, 'dist'));
  writeFileSync(join(workspace, 'dist', 'index.html'), '<!doctype html><title>Sophia</title>\n');
  return workspace;
}
