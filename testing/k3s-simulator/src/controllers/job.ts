/** The Job controller: runs pods until `completions` succeed (parallelism at a time), then Complete. */
import { randomSuffix } from '../names.js';
import { typeOf } from '../resources.js';
import { clone, jsonEqual, nowIso, type Json, type StoredObject } from '../types.js';
import { createAsController, isControlledBy, isPodReady, type ControllerContext } from './context.js';
import { podFromTemplate } from './replicaset.js';

const jobType = typeOf('Job');
const podType = typeOf('Pod');

function finished(job: StoredObject): boolean {
  return (job.status?.conditions ?? []).some(
    (condition: Json) => (condition.type === 'Complete' || condition.type === 'Failed') && condition.status === 'True',
  );
}

function reconcileJob(context: ControllerContext, job: StoredObject): void {
  if (job.metadata.deletionTimestamp || finished(job) || job.spec.suspend) return;
  const completions: number = job.spec.completions ?? 1;
  const parallelism: number = job.spec.parallelism ?? 1;
  const pods = context.store.list(podType, job.metadata.namespace, (pod) => isControlledBy(pod, job));
  const succeeded = pods.filter((pod) => pod.status?.phase === 'Succeeded').length;
  const failed = pods.filter((pod) => pod.status?.phase === 'Failed').length;
  const active = pods.filter(
    (pod) => !pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed',
  );
  const wanted = Math.max(0, Math.min(parallelism, completions - succeeded) - active.length);
  for (let index = 0; index < wanted; index++) {
    const pod = createAsController(context, 'Pod', podFromTemplate(job, `${job.metadata.name}-${randomSuffix()}`));
    active.push(pod);
    context.recordEvent(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'job-controller');
  }
  const latest = context.store.get(jobType, job.metadata.namespace, job.metadata.name);
  if (!latest) return;
  const status: Json = {
    ...clone(latest.status ?? {}),
    startTime: latest.status?.startTime ?? nowIso(),
    active: active.length,
    ready: active.filter(isPodReady).length,
    succeeded,
    failed,
    terminating: 0,
    uncountedTerminatedPods: {},
  };
  if (active.length === 0) delete status.active;
  if (succeeded >= completions) {
    const now = nowIso();
    status.completionTime = now;
    delete status.active;
    status.conditions = [
      {
        type: 'SuccessCriteriaMet',
        status: 'True',
        lastProbeTime: now,
        lastTransitionTime: now,
        reason: 'CompletionsReached',
        message: 'Reached expected number of succeeded pods',
      },
      {
        type: 'Complete',
        status: 'True',
        lastProbeTime: now,
        lastTransitionTime: now,
        reason: 'CompletionsReached',
        message: 'Reached expected number of succeeded pods',
      },
    ];
    context.recordEvent(job, 'Normal', 'Completed', 'Job completed', 'job-controller');
  }
  if (jsonEqual(latest.status, status)) return;
  const next = clone(latest);
  next.status = status;
  context.store.update(jobType, next);
}

export function reconcileJobs(context: ControllerContext): void {
  for (const job of context.store.list(jobType)) reconcileJob(context, job);
}
