/** The controllers, in the order a pass runs them. */
import { reconcileCustomResourceDefinitions } from './custom-resource-definitions.js';
import { reconcileAutoscalers } from './autoscaler.js';
import { reconcileDaemonSets } from './daemonset.js';
import { reconcileDisruptionBudgets } from './disruption.js';
import { reconcileDeployments } from './deployment.js';
import { reconcileEndpoints } from './endpoints.js';
import { collectGarbage } from './garbage-collector.js';
import { reconcileJobs } from './job.js';
import { reconcileLoadBalancers } from './load-balancers.js';
import { reconcileNamespaces } from './namespace.js';
import { runKubelet } from './kubelet.js';
import type { Controller } from './manager.js';
import { reconcileReplicaSets } from './replicaset.js';
import { schedulePods } from './scheduler.js';
import { reconcileStatefulSets } from './statefulset.js';
import { reconcileVolumes } from './volumes.js';

export const CONTROLLERS: Controller[] = [
  reconcileCustomResourceDefinitions,
  reconcileNamespaces,
  collectGarbage,
  reconcileAutoscalers,
  reconcileDeployments,
  reconcileReplicaSets,
  reconcileStatefulSets,
  reconcileDaemonSets,
  reconcileJobs,
  schedulePods,
  reconcileVolumes,
  runKubelet,
  reconcileEndpoints,
  reconcileLoadBalancers,
  reconcileDisruptionBudgets,
];
