/**
 * PodDisruptionBudgets: the disruption controller's status (expectedPods, currentHealthy,
 * desiredHealthy, disruptionsAllowed, the DisruptionAllowed condition) and the verdict the
 * Eviction API gives (`POST pods/<name>/eviction`, what `kubectl drain` sends). Rules follow
 * pkg/controller/disruption and pkg/registry/core/pod/storage/eviction.go; expected pods are the
 * selected pods (the real controller asks their controllers' scale, which equals it once settled).
 */
import { matchesLabelSelector } from '../selectors.js';
import { ApiError } from '../status.js';
import type { ObjectStore } from '../store.js';
import { typeOf } from '../resources.js';
import { clone, jsonEqual, type Json, type StoredObject } from '../types.js';
import { intOrPercent, isPodReady, transitionedCondition, type ControllerContext } from './context.js';

const budgetType = typeOf('PodDisruptionBudget');
const podType = typeOf('Pod');

/** A budget's counts, as the disruption controller writes them into `.status` (pods, not percentages). */
export interface BudgetStatus {
  expectedPods: number;
  currentHealthy: number;
  desiredHealthy: number;
  disruptionsAllowed: number;
}

function selectedPods(store: ObjectStore, budget: StoredObject): StoredObject[] {
  const selector = budget.spec?.selector;
  if (!selector) return [];
  return store.list(
    podType,
    budget.metadata.namespace,
    (pod) => !pod.metadata.deletionTimestamp && matchesLabelSelector(selector, pod.metadata.labels),
  );
}

/** The budget's status now: selected pods not being deleted, Ready ones, and what the budget demands. */
export function budgetStatus(store: ObjectStore, budget: StoredObject): BudgetStatus {
  const pods = selectedPods(store, budget);
  const expectedPods = pods.length;
  const currentHealthy = pods.filter(isPodReady).length;
  let desiredHealthy: number;
  if (budget.spec?.maxUnavailable !== undefined) {
    desiredHealthy = Math.max(0, expectedPods - intOrPercent(budget.spec.maxUnavailable, expectedPods, true));
  } else desiredHealthy = intOrPercent(budget.spec?.minAvailable ?? 0, expectedPods, true);
  return {
    expectedPods,
    currentHealthy,
    desiredHealthy,
    disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy),
  };
}

function reconcileBudget(context: ControllerContext, budget: StoredObject): void {
  const computed = budgetStatus(context.store, budget);
  const allowed = computed.disruptionsAllowed > 0;
  const status: Json = {
    ...clone(budget.status ?? {}),
    observedGeneration: budget.metadata.generation ?? 1,
    ...computed,
    conditions: [
      {
        ...transitionedCondition(
          budget,
          'DisruptionAllowed',
          allowed,
          allowed ? 'SufficientPods' : 'InsufficientPods',
          '',
        ),
        observedGeneration: budget.metadata.generation ?? 1,
      },
    ],
  };
  if (jsonEqual(budget.status, status)) return;
  const next = clone(budget);
  next.status = status;
  context.store.update(budgetType, next);
}

/** Writes every budget's status (only when it changed). */
export function reconcileDisruptionBudgets(context: ControllerContext): void {
  for (const budget of context.store.list(budgetType)) reconcileBudget(context, budget);
}

/**
 * Throws the API server's 429 when evicting `pod` would break a budget selecting it. A pod that
 * is not Ready may go while its budget is met (unhealthyPodEvictionPolicy IfHealthyBudget, the default).
 */
export function checkEviction(store: ObjectStore, pod: StoredObject): void {
  const budgets = store.list(
    budgetType,
    pod.metadata.namespace,
    (budget) => budget.spec?.selector && matchesLabelSelector(budget.spec.selector, pod.metadata.labels),
  );
  if (budgets.length > 1) {
    throw new ApiError(
      500,
      'InternalError',
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    );
  }
  const budget = budgets[0];
  if (!budget || pod.metadata.deletionTimestamp) return;
  const status = budgetStatus(store, budget);
  const healthyPod = isPodReady(pod);
  if (
    !healthyPod &&
    (budget.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow' || status.currentHealthy >= status.desiredHealthy)
  )
    return;
  if (healthyPod && status.disruptionsAllowed > 0) return;
  throw new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
    causes: [
      {
        type: 'DisruptionBudget',
        message: `The disruption budget ${budget.metadata.name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`,
      },
    ],
  });
}
