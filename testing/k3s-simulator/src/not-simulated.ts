/**
 * Warnings for writes the simulator stores but does not act on where a real k3s server would:
 * the object is kept (as on the real server) and the response carries a `Warning` header that
 * kubectl prints, so a test never passes on behaviour that is not there. One place lists them.
 */
import type { ResourceType } from './resources.js';
import type { StoredObject } from './types.js';

type Rule = (object: StoredObject) => string | undefined;

const RBAC =
  (kind: string): Rule =>
  () =>
    `${kind} is stored but RBAC is not simulated: every authenticated request is allowed`;

const RULES: Record<string, Rule> = {
  'rbac.authorization.k8s.io/Role': RBAC('Role'),
  'rbac.authorization.k8s.io/RoleBinding': RBAC('RoleBinding'),
  'rbac.authorization.k8s.io/ClusterRole': RBAC('ClusterRole'),
  'rbac.authorization.k8s.io/ClusterRoleBinding': RBAC('ClusterRoleBinding'),
  '/ResourceQuota': () =>
    'ResourceQuota is stored but not enforced: objects beyond it are admitted here, where a real server refuses them',
  '/LimitRange': () => 'LimitRange is stored but not applied: its defaults and limits do not reach pods here',
  'networking.k8s.io/NetworkPolicy': () =>
    'NetworkPolicy is stored but not enforced: the simulated cluster carries no pod traffic',
  'autoscaling/HorizontalPodAutoscaler': () =>
    'HorizontalPodAutoscaler metrics are not simulated: replicas are kept within minReplicas and maxReplicas, never scaled on load',
  'helm.cattle.io/HelmChart': () =>
    'HelmChart is stored but helm-controller is not simulated: no helm-install Job runs and the chart is not installed',
  'helm.cattle.io/HelmChartConfig': () =>
    'HelmChartConfig is stored but helm-controller is not simulated: the chart is not reconfigured',
  '/ReplicationController': () => 'ReplicationController is stored but not simulated: no pods are created for it',
  'batch/CronJob': () => 'CronJob scheduling is not simulated: no Jobs are created on its schedule',
};

/** The warning for a write of `object` (undefined when everything it asks for is simulated). */
export function notSimulatedWarning(type: ResourceType, object: StoredObject): string | undefined {
  return RULES[`${type.group}/${type.kind}`]?.(object);
}
