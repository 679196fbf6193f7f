/**
 * Node ports as the API server's Service REST storage hands them out (pkg/registry/core/service):
 * NodePort and LoadBalancer Services get one per port from the default range 30000-32767, unique
 * across the cluster; an explicit one is honoured if free and in range; an update that leaves a
 * port's nodePort out keeps the one allocated before (patchAllocatedValues matches ports by name);
 * a Service changed to a type without node ports drops the ones it held, with its
 * externalTrafficPolicy and allocateLoadBalancerNodePorts (dropTypeDependentFields).
 */
import { invalid, type StatusCause } from './status.js';
import type { Json, StoredObject } from './types.js';

/** The API server's default --service-node-port-range. */
export const NODE_PORT_RANGE = { first: 30000, last: 32767 };

function needsNodePorts(service: StoredObject | undefined): boolean {
  const type = service?.spec?.type;
  if (type === 'NodePort') return true;
  return type === 'LoadBalancer' && service?.spec?.allocateLoadBalancerNodePorts !== false;
}

function portsOf(service: StoredObject | undefined): Json[] {
  return service?.spec?.ports ?? [];
}

/**
 * Fills in and checks `spec.ports[].nodePort` of a Service being written, in place.
 * `taken`: node ports other Services hold. Throws the 422 Invalid the API server answers for a
 * clash (`provided port is already allocated`), an out-of-range port, or a node port on a type
 * without them.
 */
export function assignNodePorts(service: StoredObject, previous: StoredObject | undefined, taken: Set<number>): void {
  const ports = portsOf(service);
  if (!needsNodePorts(service)) {
    const external = service.spec?.type === 'NodePort' || service.spec?.type === 'LoadBalancer';
    if (needsNodePorts(previous) && !external) {
      // Switching away from NodePort / LoadBalancer: ports still carrying the old values lose them.
      const old = new Set(portsOf(previous).map((port) => port.nodePort));
      for (const port of ports) if (old.has(port.nodePort)) delete port.nodePort;
      if (service.spec.externalTrafficPolicy === previous?.spec?.externalTrafficPolicy)
        delete service.spec.externalTrafficPolicy;
    }
    if (service.spec?.type !== 'LoadBalancer' && previous?.spec?.type === 'LoadBalancer') {
      if (service.spec.allocateLoadBalancerNodePorts === previous.spec.allocateLoadBalancerNodePorts)
        delete service.spec.allocateLoadBalancerNodePorts;
    }
    const causes: StatusCause[] = ports.flatMap((port, index) =>
      port.nodePort && service.spec?.type === 'ClusterIP'
        ? [
            {
              type: 'FieldValueForbidden',
              message: "Forbidden: may not be used when `type` is 'ClusterIP'",
              field: `spec.ports[${index}].nodePort`,
            },
          ]
        : [],
    );
    if (causes.length > 0) throw invalid('Service', '', service.metadata.name, causes);
    return;
  }
  if (needsNodePorts(previous)) {
    const usedNow = new Set(
      portsOf(service)
        .map((port) => port.nodePort)
        .filter(Boolean),
    );
    const byName = new Map<string, number>(portsOf(previous).map((port) => [port.name ?? '', port.nodePort]));
    for (const port of ports) {
      const old = byName.get(port.name ?? '');
      if (!port.nodePort && old && !usedNow.has(old)) port.nodePort = old;
    }
  }
  const own = new Set<number>(
    portsOf(previous)
      .map((port) => port.nodePort)
      .filter(Boolean),
  );
  const causes: StatusCause[] = [];
  ports.forEach((port, index) => {
    if (!port.nodePort) return;
    const field = `spec.ports[${index}].nodePort`;
    if (port.nodePort < NODE_PORT_RANGE.first || port.nodePort > NODE_PORT_RANGE.last) {
      causes.push({
        type: 'FieldValueInvalid',
        message: `Invalid value: ${port.nodePort}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.first}-${NODE_PORT_RANGE.last}`,
        field,
      });
    } else if (taken.has(port.nodePort) && !own.has(port.nodePort)) {
      causes.push({
        type: 'FieldValueInvalid',
        message: `Invalid value: ${port.nodePort}: provided port is already allocated`,
        field,
      });
    }
  });
  if (causes.length > 0) throw invalid('Service', '', service.metadata.name, causes);
  const used = new Set<number>([...taken, ...ports.map((port) => port.nodePort).filter(Boolean)]);
  for (const port of ports) {
    if (port.nodePort) continue;
    // The same port number over two protocols shares one node port, as the allocator does.
    const twin = ports.find((other) => other !== port && other.port === port.port && other.nodePort);
    port.nodePort = twin ? twin.nodePort : randomFreePort(used);
    used.add(port.nodePort);
  }
}

function randomFreePort(used: Set<number>): number {
  const size = NODE_PORT_RANGE.last - NODE_PORT_RANGE.first + 1;
  const start = Math.floor(Math.random() * size);
  for (let offset = 0; offset < size; offset++) {
    const candidate = NODE_PORT_RANGE.first + ((start + offset) % size);
    if (!used.has(candidate)) return candidate;
  }
  throw invalid('Service', '', '', [
    { type: 'FieldValueInvalid', message: 'range is full', field: 'spec.ports[0].nodePort' },
  ]);
}

/** The node ports every stored Service except `except` (namespace/name) holds. */
export function nodePortsInUse(services: StoredObject[], except: StoredObject): Set<number> {
  const taken = new Set<number>();
  for (const service of services) {
    if (service.metadata.namespace === except.metadata.namespace && service.metadata.name === except.metadata.name)
      continue;
    for (const port of portsOf(service)) if (port.nodePort) taken.add(port.nodePort);
  }
  return taken;
}
