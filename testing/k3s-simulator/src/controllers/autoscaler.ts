/**
 * The HorizontalPodAutoscaler controller, as far as a deploy's outcome depends on it: it keeps its
 * target's replicas within minReplicas..maxReplicas, writing through the target's scale
 * subresource under the controller manager's field manager (`k3s`, the binary the controllers run
 * in), so a later server-side apply of `spec.replicas` conflicts with it as on a real cluster.
 * Metrics are not simulated: the controller never scales on load, and says so in ScalingActive.
 */
import { apiVersionOf, typeOf } from '../resources.js';
import { clone, jsonEqual, nowIso, type Json, type StoredObject } from '../types.js';
import { transitionedCondition, type ControllerContext } from './context.js';

const autoscalerType = typeOf('HorizontalPodAutoscaler');

function reconcileAutoscaler(context: ControllerContext, autoscaler: StoredObject): void {
  const reference = autoscaler.spec?.scaleTargetRef ?? {};
  const served = context.api.catalog.findKind(reference.apiVersion ?? '', reference.kind ?? '');
  const namespace: string = autoscaler.metadata.namespace;
  const target =
    served && served.type.subresources.includes('scale')
      ? context.store.get(served.type, namespace, reference.name ?? '')
      : undefined;
  const status: Json = { ...clone(autoscaler.status ?? {}), desiredReplicas: autoscaler.status?.desiredReplicas ?? 0 };
  if (!served || !target) {
    status.conditions = [
      transitionedCondition(
        autoscaler,
        'AbleToScale',
        false,
        'FailedGetScale',
        `the HPA controller was unable to get the target's current scale: ${served ? `${served.type.plural}.${served.type.group} "${reference.name}" not found` : `no matches for kind "${reference.kind}" in group "${(reference.apiVersion ?? '').split('/').slice(0, -1).join('/')}"`}`,
      ),
    ];
  } else {
    const minimum: number = autoscaler.spec?.minReplicas ?? 1;
    const maximum: number = autoscaler.spec?.maxReplicas ?? minimum;
    const current: number = target.spec?.replicas ?? 1;
    const desired = Math.min(maximum, Math.max(minimum, current));
    if (desired !== current) {
      const scaled = clone(target);
      scaled.spec.replicas = desired;
      context.api.update(served.type, target, scaled, { fieldManager: 'k3s' }, { subresource: 'scale' });
      status.lastScaleTime = nowIso();
      context.recordEvent(
        autoscaler,
        'Normal',
        'SuccessfulRescale',
        `New size: ${desired}; reason: Current number of replicas ${desired > current ? 'below Spec.MinReplicas' : 'above Spec.MaxReplicas'}`,
        'horizontal-pod-autoscaler',
      );
    }
    status.currentReplicas = target.status?.replicas ?? 0;
    status.desiredReplicas = desired;
    status.conditions = [
      transitionedCondition(
        autoscaler,
        'AbleToScale',
        true,
        'ReadyForNewScale',
        'recommended size matches current size',
      ),
      transitionedCondition(
        autoscaler,
        'ScalingActive',
        false,
        'FailedGetResourceMetric',
        'the HPA was unable to compute the replica count: metrics are not simulated; replicas are kept within minReplicas and maxReplicas',
      ),
      current < minimum
        ? transitionedCondition(
            autoscaler,
            'ScalingLimited',
            true,
            'TooFewReplicas',
            'the desired replica count is less than the minimum replica count',
          )
        : current > maximum
          ? transitionedCondition(
              autoscaler,
              'ScalingLimited',
              true,
              'TooManyReplicas',
              'the desired replica count is more than the maximum replica count',
            )
          : transitionedCondition(
              autoscaler,
              'ScalingLimited',
              false,
              'DesiredWithinRange',
              'the desired count is within the acceptable range',
            ),
    ];
  }
  status.observedGeneration = autoscaler.metadata.generation ?? 1;
  const latest = context.store.get(autoscalerType, namespace, autoscaler.metadata.name);
  if (!latest || jsonEqual(latest.status, status)) return;
  const next = clone(latest);
  next.status = status;
  next.apiVersion = apiVersionOf(autoscalerType);
  context.store.update(autoscalerType, next);
}

/** One pass over every HorizontalPodAutoscaler. */
export function reconcileAutoscalers(context: ControllerContext): void {
  for (const autoscaler of context.store.list(autoscalerType)) reconcileAutoscaler(context, autoscaler);
}
