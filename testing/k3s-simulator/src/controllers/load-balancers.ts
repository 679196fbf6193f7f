/**
 * What k3s publishes as load balancer addresses. ServiceLB (klipper-lb) runs a svclb pod per
 * eligible node for each LoadBalancer Service and writes those nodes' IPs, sorted, into the
 * Service's status.loadBalancer.ingress (k3s pkg/cloudprovider/servicelb.go); Traefik, installed
 * with `publishedService` enabled, copies its own Service's addresses into every Ingress it serves.
 */
import { typeOf } from '../resources.js';
import { clone, type Json, type StoredObject } from '../types.js';
import { isNodeReady } from '../nodes.js';
import { writeIfChanged, type ControllerContext } from './context.js';
import { tolerates } from './scheduler.js';

const serviceType = typeOf('Service');
const ingressType = typeOf('Ingress');
const ingressClassType = typeOf('IngressClass');
const nodeType = typeOf('Node');

/** When any node carries this label, ServiceLB runs only on nodes where it is "true" (k3s docs, ServiceLB). */
const ENABLE_LB_LABEL = 'svccontroller.k3s.cattle.io/enablelb';
/** The svclb DaemonSet's tolerations (servicelb.go); DaemonSet pods also tolerate cordoned nodes. */
const SVCLB_TOLERATIONS: Json[] = [
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
  { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const TRAEFIK_CONTROLLER = 'traefik.io/ingress-controller';

/** A node's address as ServiceLB publishes it: its ExternalIP when it has one, else its InternalIP. */
function publishedAddress(node: StoredObject): string | undefined {
  const addresses: Json[] = node.status?.addresses ?? [];
  const pick = (type: string): string | undefined => addresses.find((entry) => entry.type === type)?.address;
  return pick('ExternalIP') ?? pick('InternalIP');
}

/** The IPs of the Ready nodes a svclb pod runs on, sorted as servicelb.go sorts them. */
function serviceLbAddresses(nodes: StoredObject[]): string[] {
  const labelled = nodes.some((node) => node.metadata.labels?.[ENABLE_LB_LABEL] !== undefined);
  return nodes
    .filter((node) => !labelled || node.metadata.labels?.[ENABLE_LB_LABEL] === 'true')
    .filter(isNodeReady)
    .filter((node) =>
      (node.spec?.taints ?? []).every(
        (taint: Json) => taint.effect === 'PreferNoSchedule' || tolerates(SVCLB_TOLERATIONS, taint),
      ),
    )
    .map(publishedAddress)
    .filter((ip): ip is string => Boolean(ip))
    .sort();
}

/** Whether Traefik serves this Ingress: its class's controller is Traefik's, or the legacy annotation names it. */
function servedByTraefik(ingress: StoredObject, classes: StoredObject[]): boolean {
  const className: string | undefined = ingress.spec?.ingressClassName;
  if (className === undefined) return ingress.metadata.annotations?.['kubernetes.io/ingress.class'] === 'traefik';
  return classes.some((found) => found.metadata.name === className && found.spec?.controller === TRAEFIK_CONTROLLER);
}

function withIngress(object: StoredObject, ingress: Json[]): StoredObject {
  const next = clone(object);
  next.status = { ...(next.status ?? {}), loadBalancer: ingress.length > 0 ? { ingress } : {} };
  return next;
}

export function reconcileLoadBalancers(context: ControllerContext): void {
  const { store } = context;
  const addresses = serviceLbAddresses(store.list(nodeType));
  // The API server defaults ipMode to VIP from 1.30 on (LoadBalancerIPMode, beta and on by default).
  const minor = Number(/^v?1\.(\d+)/.exec(context.kubeletVersion())?.[1] ?? 0);
  const ingress = addresses.map((ip) => (minor >= 30 ? { ip, ipMode: 'VIP' } : { ip }));
  for (const service of store.list(serviceType)) {
    // ServiceLB leaves Services that name another load balancer implementation alone.
    if (service.spec?.type !== 'LoadBalancer' || service.spec.loadBalancerClass) continue;
    writeIfChanged(store, serviceType, service, withIngress(service, ingress));
  }
  const traefik = store.get(serviceType, 'kube-system', 'traefik');
  if (!traefik) return;
  // IngressLoadBalancerIngress has no ipMode.
  const published = (traefik.status?.loadBalancer?.ingress ?? []).map(({ ipMode: _ipMode, ...rest }: Json) => rest);
  const classes = store.list(ingressClassType);
  for (const found of store.list(ingressType)) {
    if (found.metadata.deletionTimestamp || !servedByTraefik(found, classes)) continue;
    writeIfChanged(store, ingressType, found, withIngress(found, published));
  }
}
