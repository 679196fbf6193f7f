/**
 * Server-side printing: `kubectl get` asks for `as=Table` and prints the columns the server
 * returns (with `-o wide` showing priority-1 columns too). These follow the API server's printers.
 */
import type { Json, StoredObject } from './types.js';
import { apiJson } from './json.js';

interface Column {
  name: string;
  type?: string;
  format?: string;
  priority?: number;
}

/** The API server's duration.HumanDuration. */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  return `${Math.floor(hours / 24 / 365)}y`;
}

function age(object: StoredObject): string {
  const created = object.metadata?.creationTimestamp;
  return created ? humanDuration(Date.now() - Date.parse(created)) : '<unknown>';
}

function orNone(value: Json): string {
  return value === undefined || value === null || value === '' ? '<none>' : String(value);
}

function containersOf(spec: Json): { names: string; images: string } {
  const containers: Json[] = spec?.containers ?? [];
  return {
    names: containers.map((container) => container.name).join(','),
    images: containers.map((container) => container.image).join(','),
  };
}

function selectorText(selector: Json): string {
  if (!selector) return '<none>';
  const labels = selector.matchLabels ?? selector;
  const text = Object.entries(labels)
    .filter(([, value]) => typeof value === 'string')
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  return text || '<none>';
}

/** The STATUS column of `kubectl get pods`, following the API server's pod printer. */
export function podStatusText(pod: StoredObject): string {
  let reason: string = pod.status?.reason ?? pod.status?.phase ?? 'Pending';
  const statuses: Json[] = pod.status?.containerStatuses ?? [];
  for (const status of statuses) {
    if (status.state?.waiting?.reason) reason = status.state.waiting.reason;
    else if (status.state?.terminated?.reason) reason = status.state.terminated.reason;
  }
  if (statuses.length === 0 && pod.spec?.nodeName && reason === 'Pending') reason = 'ContainerCreating';
  if (pod.metadata?.deletionTimestamp) reason = 'Terminating';
  return reason;
}

function podRow(pod: StoredObject): Json[] {
  const statuses: Json[] = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers?.length ?? 0;
  const ready = statuses.filter((status) => status.ready).length;
  const restarts = statuses.reduce((sum, status) => sum + (status.restartCount ?? 0), 0);
  return [
    pod.metadata.name,
    `${ready}/${total}`,
    podStatusText(pod),
    String(restarts),
    age(pod),
    orNone(pod.status?.podIP),
    orNone(pod.spec?.nodeName),
    '<none>',
    '<none>',
  ];
}

function nodeRow(node: StoredObject): Json[] {
  const ready = (node.status?.conditions ?? []).find((condition: Json) => condition.type === 'Ready');
  let status = ready?.status === 'True' ? 'Ready' : ready?.status === 'Unknown' ? 'NotReady' : 'NotReady';
  if (node.spec?.unschedulable) status += ',SchedulingDisabled';
  const roles = Object.keys(node.metadata?.labels ?? {})
    .filter((label) => label.startsWith('node-role.kubernetes.io/'))
    .map((label) => label.slice('node-role.kubernetes.io/'.length))
    .sort();
  const address = (type: string): string =>
    orNone((node.status?.addresses ?? []).find((entry: Json) => entry.type === type)?.address);
  const info = node.status?.nodeInfo ?? {};
  return [
    node.metadata.name,
    status,
    roles.length ? roles.join(',') : '<none>',
    age(node),
    info.kubeletVersion ?? '',
    address('InternalIP'),
    address('ExternalIP'),
    info.osImage ?? '',
    info.kernelVersion ?? '',
    info.containerRuntimeVersion ?? '',
  ];
}

function servicePorts(service: StoredObject): string {
  const ports: Json[] = service.spec?.ports ?? [];
  if (ports.length === 0) return '<none>';
  return ports
    .map((port) => `${port.port}${port.nodePort ? `:${port.nodePort}` : ''}/${port.protocol ?? 'TCP'}`)
    .join(',');
}

/** The EXTERNAL-IP column as kubectl's printers.go getServiceExternalIP fills it (the server prints wide). */
function serviceExternalIp(service: StoredObject): string {
  const external: string[] = service.spec?.externalIPs ?? [];
  switch (service.spec?.type) {
    case 'LoadBalancer': {
      const balancers: string[] = (service.status?.loadBalancer?.ingress ?? [])
        .map((entry: Json) => entry.ip ?? entry.hostname)
        .filter(Boolean);
      const all = [...balancers, ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return service.spec.externalName ?? '<none>';
    default:
      return external.length > 0 ? external.join(',') : '<none>';
  }
}

const NAME: Column = { name: 'Name', type: 'string', format: 'name' };
const AGE: Column = { name: 'Age', type: 'string' };

function wide(name: string): Column {
  return { name, type: 'string', priority: 1 };
}

function column(name: string, type = 'string'): Column {
  return { name, type };
}

/** What a printer may depend on beside the object: the Kubernetes minor the server reports. */
export interface ServerInfo {
  /** e.g. 31 for v1.31.x. */
  minor: number;
}

interface Printer {
  columns: Column[];
  row(object: StoredObject, server: ServerInfo): Json[];
}

/**
 * The printer of a workload that runs a pod template, laid out as kubectl's server-side printers
 * lay out Deployment, ReplicaSet, StatefulSet, DaemonSet and Job (kubernetes
 * pkg/printers/internalversion/printers.go): the name, the kind's own columns, the age, then the
 * wide columns Containers, Images and (all but StatefulSet) Selector.
 */
function workloadPrinter(
  own: Column[],
  cells: (object: StoredObject) => Json[],
  options: { selector: boolean } = { selector: true },
): Printer {
  return {
    columns: [NAME, ...own, AGE, wide('Containers'), wide('Images'), ...(options.selector ? [wide('Selector')] : [])],
    row: (object) => {
      const containers = containersOf(object.spec?.template?.spec);
      return [
        object.metadata.name,
        ...cells(object),
        age(object),
        containers.names,
        containers.images,
        ...(options.selector ? [selectorText(object.spec?.selector)] : []),
      ];
    },
  };
}

const PRINTERS: Record<string, Printer> = {
  Pod: {
    columns: [
      NAME,
      column('Ready'),
      column('Status'),
      column('Restarts'),
      AGE,
      wide('IP'),
      wide('Node'),
      wide('Nominated Node'),
      wide('Readiness Gates'),
    ],
    row: podRow,
  },
  Node: {
    columns: [
      NAME,
      column('Status'),
      column('Roles'),
      AGE,
      column('Version'),
      wide('Internal-IP'),
      wide('External-IP'),
      wide('OS-Image'),
      wide('Kernel-Version'),
      wide('Container-Runtime'),
    ],
    row: nodeRow,
  },
  Deployment: workloadPrinter(
    [column('Ready'), column('Up-to-date', 'integer'), column('Available', 'integer')],
    (object) => [
      `${object.status?.readyReplicas ?? 0}/${object.spec?.replicas ?? 0}`,
      object.status?.updatedReplicas ?? 0,
      object.status?.availableReplicas ?? 0,
    ],
  ),
  ReplicaSet: workloadPrinter(
    [column('Desired', 'integer'), column('Current', 'integer'), column('Ready', 'integer')],
    (object) => [object.spec?.replicas ?? 0, object.status?.replicas ?? 0, object.status?.readyReplicas ?? 0],
  ),
  StatefulSet: workloadPrinter(
    [column('Ready')],
    (object) => [`${object.status?.readyReplicas ?? 0}/${object.spec?.replicas ?? 0}`],
    { selector: false },
  ),
  DaemonSet: workloadPrinter(
    [
      column('Desired', 'integer'),
      column('Current', 'integer'),
      column('Ready', 'integer'),
      column('Up-to-date', 'integer'),
      column('Available', 'integer'),
      column('Node Selector'),
    ],
    (object) => {
      const status = object.status ?? {};
      return [
        status.desiredNumberScheduled ?? 0,
        status.currentNumberScheduled ?? 0,
        status.numberReady ?? 0,
        status.updatedNumberScheduled ?? 0,
        status.numberAvailable ?? 0,
        selectorText(object.spec?.template?.spec?.nodeSelector),
      ];
    },
  ),
  Service: {
    columns: [
      NAME,
      column('Type'),
      column('Cluster-IP'),
      column('External-IP'),
      column('Port(s)'),
      AGE,
      wide('Selector'),
    ],
    row: (object) => [
      object.metadata.name,
      object.spec?.type ?? 'ClusterIP',
      orNone(object.spec?.clusterIP),
      serviceExternalIp(object),
      servicePorts(object),
      age(object),
      selectorText(object.spec?.selector),
    ],
  },
  Job: workloadPrinter([column('Status'), column('Completions'), column('Duration')], (object) => {
    const status = object.status ?? {};
    const complete = (status.conditions ?? []).some(
      (condition: Json) => condition.type === 'Complete' && condition.status === 'True',
    );
    const failed = (status.conditions ?? []).some(
      (condition: Json) => condition.type === 'Failed' && condition.status === 'True',
    );
    const started = status.startTime ? Date.parse(status.startTime) : undefined;
    const finished = status.completionTime ? Date.parse(status.completionTime) : Date.now();
    return [
      complete ? 'Complete' : failed ? 'Failed' : 'Running',
      `${status.succeeded ?? 0}/${object.spec?.completions ?? 1}`,
      started === undefined ? '' : humanDuration(finished - started),
    ];
  }),
  Namespace: {
    columns: [NAME, column('Status'), AGE],
    row: (object) => [object.metadata.name, object.status?.phase ?? 'Active', age(object)],
  },
  ConfigMap: {
    columns: [NAME, column('Data', 'integer'), AGE],
    row: (object) => [
      object.metadata.name,
      Object.keys(object.data ?? {}).length + Object.keys(object.binaryData ?? {}).length,
      age(object),
    ],
  },
  Secret: {
    columns: [NAME, column('Type'), column('Data', 'integer'), AGE],
    row: (object) => [
      object.metadata.name,
      object.type ?? 'Opaque',
      Object.keys(object.data ?? {}).length,
      age(object),
    ],
  },
  Ingress: {
    columns: [NAME, column('Class'), column('Hosts'), column('Address'), column('Ports'), AGE],
    row: (object) => {
      const hosts = (object.spec?.rules ?? []).map((rule: Json) => rule.host).filter(Boolean);
      return [
        object.metadata.name,
        orNone(object.spec?.ingressClassName),
        hosts.length ? hosts.join(',') : '*',
        (object.status?.loadBalancer?.ingress ?? []).map((entry: Json) => entry.ip ?? entry.hostname).join(','),
        object.spec?.tls?.length ? '80, 443' : '80',
        age(object),
      ];
    },
  },
  Endpoints: {
    columns: [NAME, column('Endpoints'), AGE],
    row: (object) => {
      const endpoints: string[] = [];
      for (const subset of object.subsets ?? []) {
        for (const address of subset.addresses ?? []) {
          for (const port of subset.ports ?? []) endpoints.push(`${address.ip}:${port.port}`);
        }
      }
      const shown =
        endpoints.slice(0, 3).join(',') + (endpoints.length > 3 ? ` + ${endpoints.length - 3} more...` : '');
      return [object.metadata.name, shown || '<none>', age(object)];
    },
  },
  EndpointSlice: {
    columns: [NAME, column('AddressType'), column('Ports'), column('Endpoints'), AGE],
    row: (object) => {
      const addresses = (object.endpoints ?? []).flatMap((endpoint: Json) => endpoint.addresses ?? []);
      const ports = (object.ports ?? []).map((port: Json) => port.port).join(',');
      const shown =
        addresses.slice(0, 3).join(',') + (addresses.length > 3 ? ` + ${addresses.length - 3} more...` : '');
      return [object.metadata.name, object.addressType, ports || '<unset>', shown || '<unset>', age(object)];
    },
  },
  Event: {
    columns: [column('Last Seen'), column('Type'), column('Reason'), column('Object'), column('Message')],
    row: (object) => [
      object.lastTimestamp ? humanDuration(Date.now() - Date.parse(object.lastTimestamp)) : '<unknown>',
      object.type ?? 'Normal',
      object.reason ?? '',
      `${(object.involvedObject?.kind ?? '').toLowerCase()}/${object.involvedObject?.name ?? ''}`,
      object.message ?? '',
    ],
  },
};

const ACCESS_MODES: Record<string, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};

function accessModes(modes: string[] | undefined): string {
  return (modes ?? []).map((mode) => ACCESS_MODES[mode] ?? mode).join(',');
}

/**
 * `cpu: <unknown>/70%`: metrics are not simulated, so current values are unknown. Servers
 * before 1.30 print no metric name (`<unknown>/70%`); kubernetes PR #122804 added it.
 */
function autoscalerTargets(metrics: Json[] | undefined, server: ServerInfo): string {
  const parts = (metrics ?? []).map((metric: Json) => {
    const source = metric.resource ?? metric.containerResource;
    const target = source?.target ?? metric.pods?.target ?? metric.object?.target ?? metric.external?.target ?? {};
    const wanted =
      target.averageUtilization !== undefined
        ? `${target.averageUtilization}%`
        : (target.averageValue ?? target.value ?? '<unset>');
    const named = source?.name && server.minor >= 30;
    return `${named ? `${source.name}: ` : ''}<unknown>/${wanted}`;
  });
  return parts.length ? parts.join(', ') : '<none>';
}

/** Printers of the kinds a deploy's output shows, following pkg/printers/internalversion. */
Object.assign(PRINTERS, {
  HorizontalPodAutoscaler: {
    columns: [
      NAME,
      column('Reference'),
      column('Targets'),
      column('MinPods'),
      column('MaxPods', 'integer'),
      column('Replicas', 'integer'),
      AGE,
    ],
    row: (object, server) => [
      object.metadata.name,
      `${object.spec?.scaleTargetRef?.kind}/${object.spec?.scaleTargetRef?.name}`,
      autoscalerTargets(object.spec?.metrics, server),
      String(object.spec?.minReplicas ?? 1),
      object.spec?.maxReplicas,
      object.status?.currentReplicas ?? 0,
      age(object),
    ],
  },
  PodDisruptionBudget: {
    columns: [NAME, column('Min Available'), column('Max Unavailable'), column('Allowed Disruptions', 'integer'), AGE],
    row: (object) => [
      object.metadata.name,
      object.spec?.minAvailable === undefined ? 'N/A' : String(object.spec.minAvailable),
      object.spec?.maxUnavailable === undefined ? 'N/A' : String(object.spec.maxUnavailable),
      object.status?.disruptionsAllowed ?? 0,
      age(object),
    ],
  },
  PersistentVolumeClaim: {
    columns: [
      NAME,
      column('Status'),
      column('Volume'),
      column('Capacity'),
      column('Access Modes'),
      column('StorageClass'),
      AGE,
      wide('VolumeMode'),
    ],
    row: (object) => [
      object.metadata.name,
      object.metadata.deletionTimestamp ? 'Terminating' : (object.status?.phase ?? 'Pending'),
      object.spec?.volumeName ?? '',
      object.status?.capacity?.storage ?? '',
      accessModes(object.status?.accessModes),
      object.spec?.storageClassName ?? '',
      age(object),
      object.spec?.volumeMode ?? 'Filesystem',
    ],
  },
  PersistentVolume: {
    columns: [
      NAME,
      column('Capacity'),
      column('Access Modes'),
      column('Reclaim Policy'),
      column('Status'),
      column('Claim'),
      column('StorageClass'),
      column('Reason'),
      AGE,
    ],
    row: (object) => [
      object.metadata.name,
      object.spec?.capacity?.storage ?? '',
      accessModes(object.spec?.accessModes),
      object.spec?.persistentVolumeReclaimPolicy ?? 'Retain',
      object.status?.phase ?? 'Available',
      object.spec?.claimRef ? `${object.spec.claimRef.namespace}/${object.spec.claimRef.name}` : '',
      object.spec?.storageClassName ?? '',
      object.status?.reason ?? '',
      age(object),
    ],
  },
  StorageClass: {
    columns: [
      NAME,
      column('Provisioner'),
      column('ReclaimPolicy'),
      column('VolumeBindingMode'),
      column('AllowVolumeExpansion'),
      AGE,
    ],
    row: (object) => [
      object.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true'
        ? `${object.metadata.name} (default)`
        : object.metadata.name,
      object.provisioner,
      object.reclaimPolicy ?? 'Delete',
      object.volumeBindingMode ?? 'Immediate',
      String(object.allowVolumeExpansion ?? false),
      age(object),
    ],
  },
  NetworkPolicy: {
    columns: [NAME, column('Pod-Selector'), AGE],
    row: (object) => [object.metadata.name, selectorText(object.spec?.podSelector), age(object)],
  },
  RoleBinding: {
    columns: [NAME, column('Role'), AGE],
    row: (object) => [object.metadata.name, `${object.roleRef?.kind}/${object.roleRef?.name}`, age(object)],
  },
  ClusterRoleBinding: {
    columns: [NAME, column('Role'), AGE],
    row: (object) => [object.metadata.name, `${object.roleRef?.kind}/${object.roleRef?.name}`, age(object)],
  },
  IngressClass: {
    columns: [NAME, column('Controller'), column('Parameters'), AGE],
    row: (object) => [object.metadata.name, object.spec?.controller ?? '', '<none>', age(object)],
  },
} satisfies Record<string, Printer>);

const DEFAULT_PRINTER: Printer = { columns: [NAME, AGE], row: (object) => [object.metadata.name, age(object)] };

/**
 * The JSONPath subset additionalPrinterColumns use: `.spec.chart`, `.items[0].name` and filters
 * such as `.status.conditions[?(@.type=='Failed')].status` (first match).
 */
function jsonPathValue(object: Json, path: string): Json {
  let current = object;
  const steps =
    path
      .replace(/^\{?\.?/, '')
      .replace(/\}$/, '')
      .match(/\[\?\(@\.[^\]]*\)\]|\[\d+\]|[^.[\]]+/g) ?? [];
  for (const step of steps) {
    if (current === undefined || current === null) return undefined;
    const filter = /^\[\?\(@\.([\w.-]+)\s*==\s*['"]?([^'"]*)['"]?\)\]$/.exec(step);
    if (filter)
      current = (Array.isArray(current) ? current : []).find((item) => String(item?.[filter[1]]) === filter[2]);
    else if (/^\[\d+\]$/.test(step)) current = current[Number(step.slice(1, -1))];
    else current = current[step];
  }
  return current;
}

/** The columns of a CRD version's additionalPrinterColumns (NAME first; `date` columns as ages). */
function customPrinter(columns: Json[]): Printer {
  return {
    columns: [
      NAME,
      ...columns.map((definition) => ({
        name: definition.name,
        type: definition.type === 'date' ? 'date' : definition.type,
        priority: definition.priority ?? 0,
      })),
    ],
    row: (object) => [
      object.metadata.name,
      ...columns.map((definition) => {
        const value = jsonPathValue(object, definition.jsonPath ?? '');
        if (definition.type === 'date')
          return typeof value === 'string' ? humanDuration(Date.now() - Date.parse(value)) : '<unknown>';
        return value === undefined || value === null
          ? null
          : typeof value === 'object'
            ? apiJson(value)
            : typeof value === 'bigint'
              ? String(value)
              : value;
      }),
    ],
  };
}

/** `includeObject=Object` (kubectl get --sort-by) embeds whole objects; the default is their metadata. */
export function toTable(
  kind: string,
  objects: StoredObject[],
  listMeta: Json,
  includeObject = 'Metadata',
  printerColumns?: Json[],
  server: ServerInfo = { minor: Number.MAX_SAFE_INTEGER },
): Json {
  const printer = printerColumns?.length ? customPrinter(printerColumns) : (PRINTERS[kind] ?? DEFAULT_PRINTER);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: printer.columns.map((definition) => ({
      name: definition.name,
      type: definition.type ?? 'string',
      format: definition.format ?? '',
      description: '',
      priority: definition.priority ?? 0,
    })),
    rows: objects.map((object) => ({
      cells: printer.row(object, server),
      object:
        includeObject === 'Object'
          ? object
          : includeObject === 'None'
            ? undefined
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata },
    })),
  };
}

export function wantsTable(accept: string | undefined): boolean {
  return Boolean(accept && /as=Table/.test(accept));
}
