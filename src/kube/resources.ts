/** REST paths of the resource types the operator and its tests use. */

export interface ResourceType {
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Lower-case plural used in paths. */
  readonly plural: string;
  readonly namespaced: boolean;
}

export function apiVersionOf(t: ResourceType): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

/** `/api/v1/namespaces/ns/pods`, or the cluster-wide list when `namespace` is undefined. */
export function collectionPath(t: ResourceType, namespace?: string): string {
  const prefix = t.group === '' ? `/api/${t.version}` : `/apis/${t.group}/${t.version}`;
  return t.namespaced && namespace !== undefined
    ? `${prefix}/namespaces/${namespace}/${t.plural}`
    : `${prefix}/${t.plural}`;
}

export function objectPath(
  t: ResourceType,
  namespace: string | undefined,
  name: string,
  sub?: string,
): string {
  const base = `${collectionPath(t, t.namespaced ? namespace : undefined)}/${encodeURIComponent(name)}`;
  return sub === undefined ? base : `${base}/${sub}`;
}

const core = (kind: string, plural: string, namespaced = true): ResourceType => ({
  group: '',
  version: 'v1',
  kind,
  plural,
  namespaced,
});
const grouped = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced = true,
): ResourceType => ({
  group,
  version,
  kind,
  plural,
  namespaced,
});

/** Built-in types, by kind. */
export const builtin = {
  Namespace: core('Namespace', 'namespaces', false),
  Node: core('Node', 'nodes', false),
  Pod: core('Pod', 'pods'),
  Service: core('Service', 'services'),
  ConfigMap: core('ConfigMap', 'configmaps'),
  Secret: core('Secret', 'secrets'),
  ServiceAccount: core('ServiceAccount', 'serviceaccounts'),
  PersistentVolume: core('PersistentVolume', 'persistentvolumes', false),
  PersistentVolumeClaim: core('PersistentVolumeClaim', 'persistentvolumeclaims'),
  Event: grouped('events.k8s.io', 'v1', 'Event', 'events'),
  StatefulSet: grouped('apps', 'v1', 'StatefulSet', 'statefulsets'),
  Deployment: grouped('apps', 'v1', 'Deployment', 'deployments'),
  ReplicaSet: grouped('apps', 'v1', 'ReplicaSet', 'replicasets'),
  Job: grouped('batch', 'v1', 'Job', 'jobs'),
  CronJob: grouped('batch', 'v1', 'CronJob', 'cronjobs'),
  EndpointSlice: grouped('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices'),
  Lease: grouped('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  PodDisruptionBudget: grouped('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets'),
  StorageClass: grouped('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false),
  CustomResourceDefinition: grouped(
    'apiextensions.k8s.io',
    'v1',
    'CustomResourceDefinition',
    'customresourcedefinitions',
    false,
  ),
  ValidatingWebhookConfiguration: grouped(
    'admissionregistration.k8s.io',
    'v1',
    'ValidatingWebhookConfiguration',
    'validatingwebhookconfigurations',
    false,
  ),
  MutatingWebhookConfiguration: grouped(
    'admissionregistration.k8s.io',
    'v1',
    'MutatingWebhookConfiguration',
    'mutatingwebhookconfigurations',
    false,
  ),
  Role: grouped('rbac.authorization.k8s.io', 'v1', 'Role', 'roles'),
  RoleBinding: grouped('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings'),
  ClusterRole: grouped('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  ClusterRoleBinding: grouped(
    'rbac.authorization.k8s.io',
    'v1',
    'ClusterRoleBinding',
    'clusterrolebindings',
    false,
  ),
  SubjectAccessReview: grouped(
    'authorization.k8s.io',
    'v1',
    'SubjectAccessReview',
    'subjectaccessreviews',
    false,
  ),
} as const satisfies Record<string, ResourceType>;
