/**
 * The endpoints controllers: each Service with a selector lists its pods' IPs, ready or not, as
 * Endpoints (kubectl get endpoints) and as an EndpointSlice (kubectl describe service reads these).
 */
import { typeOf } from '../resources.js';
import { clone, jsonEqual, type Json, type StoredObject } from '../types.js';
import { isPodReady, type ControllerContext } from './context.js';

const serviceType = typeOf('Service');
const endpointsType = typeOf('Endpoints');
const podType = typeOf('Pod');
const sliceType = typeOf('EndpointSlice');
const SERVICE_NAME = 'kubernetes.io/service-name';

function resolvePort(servicePort: Json, pod: StoredObject): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  for (const container of pod.spec?.containers ?? []) {
    const named = (container.ports ?? []).find((port: Json) => port.name === target);
    if (named) return named.containerPort;
  }
  return undefined;
}

function address(pod: StoredObject): Json {
  return {
    ip: pod.status.podIP,
    nodeName: pod.spec.nodeName,
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
}

function subsetsFor(service: StoredObject, pods: StoredObject[]): Json[] {
  const servicePorts: Json[] = service.spec?.ports ?? [];
  const groups = new Map<string, { ports: Json[]; addresses: Json[]; notReadyAddresses: Json[] }>();
  for (const pod of pods) {
    const ports = servicePorts
      .map((servicePort) => ({
        name: servicePort.name,
        port: resolvePort(servicePort, pod),
        protocol: servicePort.protocol ?? 'TCP',
      }))
      .filter((port) => port.port !== undefined)
      .map((port) => (port.name ? port : { port: port.port, protocol: port.protocol }));
    if (ports.length === 0) continue;
    const key = JSON.stringify(ports);
    const group = groups.get(key) ?? { ports, addresses: [], notReadyAddresses: [] };
    (isPodReady(pod) ? group.addresses : group.notReadyAddresses).push(address(pod));
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => ({
    ...(group.addresses.length ? { addresses: group.addresses } : {}),
    ...(group.notReadyAddresses.length ? { notReadyAddresses: group.notReadyAddresses } : {}),
    ports: group.ports,
  }));
}

export function reconcileEndpoints(context: ControllerContext): void {
  const { store } = context;
  for (const service of store.list(serviceType)) {
    const selector: Record<string, string> | undefined = service.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) continue;
    const pods = store.list(
      podType,
      service.metadata.namespace,
      (pod) =>
        !pod.metadata.deletionTimestamp &&
        pod.status?.podIP &&
        Object.entries(selector).every(([key, value]) => pod.metadata.labels?.[key] === value),
    );
    const subsets = subsetsFor(service, pods);
    syncSlice(context, service, subsets);
    const existing = store.get(endpointsType, service.metadata.namespace, service.metadata.name);
    if (!existing) {
      context.api.create(
        endpointsType,
        service.metadata.namespace,
        {
          apiVersion: 'v1',
          kind: 'Endpoints',
          metadata: {
            name: service.metadata.name,
            namespace: service.metadata.namespace,
            labels: service.metadata.labels,
          },
          ...(subsets.length ? { subsets } : {}),
        },
        { fieldManager: 'k3s' },
      );
      continue;
    }
    const updated = clone(existing);
    if (subsets.length) updated.subsets = subsets;
    else delete updated.subsets;
    if (!jsonEqual(updated, existing)) store.update(endpointsType, updated);
  }
  for (const endpoints of store.list(endpointsType)) {
    const service = store.get(serviceType, endpoints.metadata.namespace, endpoints.metadata.name);
    if (!service && endpoints.metadata.name !== 'kubernetes')
      store.remove(endpointsType, endpoints.metadata.namespace, endpoints.metadata.name);
  }
}

function syncSlice(context: ControllerContext, service: StoredObject, subsets: Json[]): void {
  const { store } = context;
  const toEndpoint = (entry: Json, ready: boolean): Json => ({
    addresses: [entry.ip],
    conditions: { ready, serving: ready, terminating: false },
    nodeName: entry.nodeName,
    targetRef: entry.targetRef,
  });
  const endpoints = subsets.flatMap((subset) => [
    ...(subset.addresses ?? []).map((entry: Json) => toEndpoint(entry, true)),
    ...(subset.notReadyAddresses ?? []).map((entry: Json) => toEndpoint(entry, false)),
  ]);
  const ports = subsets[0]?.ports ?? [];
  const [existing] = store.list(
    sliceType,
    service.metadata.namespace,
    (slice) => slice.metadata.labels?.[SERVICE_NAME] === service.metadata.name,
  );
  if (!existing) {
    context.api.create(
      sliceType,
      service.metadata.namespace,
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          generateName: `${service.metadata.name}-`,
          namespace: service.metadata.namespace,
          labels: {
            [SERVICE_NAME]: service.metadata.name,
            'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
          },
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'Service',
              name: service.metadata.name,
              uid: service.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        addressType: 'IPv4',
        endpoints,
        ports,
      },
      { fieldManager: 'k3s' },
    );
    return;
  }
  const updated = clone(existing);
  updated.endpoints = endpoints;
  updated.ports = ports;
  if (!jsonEqual(updated, existing)) store.update(sliceType, updated);
}
