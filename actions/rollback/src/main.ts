import {
  actionLog,
  publish,
  publishing,
  stepState,
  type Publication,
  type PublishingPlan,
} from '@sophia/action-runtime';
import { RollbackRolloutError } from '@sophia/kubernetes';
import { getInputs } from './input-helper.js';
import { kubernetesRollback } from './kubernetes.js';
import {
  frontendRollbackPublication,
  kubernetesRollbackPublication,
  notRolledBackKubernetesPublication,
  notRolledBackPublication,
} from './summary.js';

type RollbackPublication = Publication & { outputs: { from: string; to: string } };

/**
 * Rolls back, publishes outputs and summary (also when the rollback failed: with its report, or
 * through `unreported` when it failed before anything changed), returns the outputs.
 */
async function rollBackAndPublish<Report>(
  work: () => Promise<Report>,
  plan: Omit<PublishingPlan<Report>, 'publicationOf' | 'unreported'> & {
    publicationOf: (report: Report) => RollbackPublication;
    unreported: (error: unknown) => RollbackPublication;
  },
): Promise<RollbackPublication['outputs']> {
  return plan.publicationOf(await publishing(work, plan)).outputs;
}

/** The runbook: read inputs; roll the frontend hosts or the Kubernetes workloads back; report. */
export async function main(): Promise<void> {
  const settings = getInputs();
  let outputs: RollbackPublication['outputs'];
  if (settings.component === 'frontend') {
    // The frontend's release flow and the SSH stack (ssh2 and its ciphers) are most of what the
    // bundle would compile and run at start-up; a Kubernetes rollback never uses them, so they
    // load only for a frontend rollback (the bundler puts them in chunks beside dist/index.js).
    const { rollBackEveryHost, FrontendRollbackFailedError } = await import('./frontend.js');
    outputs = await rollBackAndPublish(() => rollBackEveryHost(settings), {
      reported: FrontendRollbackFailedError,
      publicationOf: (hosts) => frontendRollbackPublication(hosts, settings.target),
      unreported: (error) => notRolledBackPublication(error, settings.target),
    });
  } else {
    outputs = await rollBackAndPublish(() => kubernetesRollback(settings), {
      reported: RollbackRolloutError,
      publicationOf: (outcomes) => kubernetesRollbackPublication(outcomes, settings.namespace),
      unreported: (error) => notRolledBackKubernetesPublication(error, settings.namespace),
    });
  }
  actionLog.info(`Rolled back: from ${outputs.from} to ${outputs.to}`);
}

/** The post step: frees the frontend deploy locks a cancelled or killed rollback left on its hosts. */
export async function post(): Promise<void> {
  // Loaded here rather than at the top, for the same reason as in main.
  const [{ freeLocksLeftBehind, lockCleanupMarkdown }, { sshTargetsFrom }] = await Promise.all([
    import('@sophia/releases'),
    import('@sophia/ssh'),
  ]);
  const cleanups = await freeLocksLeftBehind(
    stepState,
    () => {
      const settings = getInputs();
      return settings.component === 'frontend'
        ? { targets: sshTargetsFrom(settings.ssh), nginxReloadCommand: settings.nginxReloadCommand }
        : { targets: [] };
    },
    actionLog,
  );
  const summary = lockCleanupMarkdown('rollback', cleanups);
  if (summary) await publish({ summary });
}
