import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetNginxCommand, startSshHost, type LocalSshHost } from './ssh-host.js';

/** Several hosts that one action run reaches as a fleet: one target path, one key, one nginx command. */
export interface LocalFleet {
  hosts: LocalSshHost[];
  /** Where each host's SSH sessions see its own site (see `fleetSiteDir`): the `target` of a run over the fleet. */
  sitePath: string;
  /**
   * The SSH inputs of an action run over the fleet, as `LocalSshHost.sshInputs` gives them for one host:
   * `host` names every host (`127.0.0.1:<sshPort>` one per line), `known-hosts` has every host's key line,
   * and `ssh-key` is the one key every host accepts.
   */
  sshInputs(): Record<string, string>;
  /** `nginx-test-command` and `nginx-reload-command` for every host (see `fleetNginxCommand`). */
  nginxTestCommand: string;
  nginxReloadCommand: string;
  /** Stops every host and removes the fleet's directory. */
  stop(): Promise<void>;
}

/** Starts `size` hosts (root only: each sshd has a mount namespace of its own) sharing a site path and a login key. */
export async function startFleet(size: number): Promise<LocalFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'sophia-fleet-'));
  const sitePath = join(dir, 'site');
  const hosts: LocalSshHost[] = [];
  try {
    hosts.push(await startSshHost({ fleetSiteDir: sitePath }));
    const others = await Promise.allSettled(
      Array.from({ length: size - 1 }, () => startSshHost({ fleetSiteDir: sitePath, userKey: hosts[0].userKey })),
    );
    for (const started of others) if (started.status === 'fulfilled') hosts.push(started.value);
    const failed = others.find((started): started is PromiseRejectedResult => started.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (error) {
    await Promise.all(hosts.map((host) => host.stop()));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    hosts,
    sitePath,
    sshInputs: () => ({
      ...hosts[0].sshInputs(),
      host: hosts.map((host) => `127.0.0.1:${host.sshPort}`).join('\n'),
      port: '22',
      'known-hosts': hosts.map((host) => host.knownHosts).join('\n'),
    }),
    nginxTestCommand: fleetNginxCommand('test'),
    nginxReloadCommand: fleetNginxCommand('reload'),
    stop: async () => {
      await Promise.all(hosts.map((host) => host.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
