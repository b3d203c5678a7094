/**
 * The table of bad DorisCluster objects and updates, each with the exact refusal the API server
 * gives (the field it names and the message) and the matching good object or update. The messages
 * are the schema's own (CEL rule messages in src/api/), so a reworded rule shows up here.
 */

type Json = Record<string, unknown>;

export interface Refusal {
  /** The field the API server names. */
  readonly field: string;
  /** The exact cause message. */
  readonly message: string;
}

export interface CreateCase extends Refusal {
  readonly name: string;
  /** Merged into a small valid cluster (see support.ts); `undefined` removes a key. */
  readonly bad: Json;
  readonly good: Json;
  /** Strict field validation (unknown fields refused instead of dropped). */
  readonly strict?: boolean;
}

const spec = (s: Json): Json => ({ spec: s });
const dataDir = (d: Json) => spec({ be: { storage: { dataDirs: [{ name: 'storage', ...d }] } } });

export const createCases: CreateCase[] = [
  {
    name: 'even election number',
    bad: spec({ fe: { electionNumber: 2 } }),
    good: spec({ fe: { electionNumber: 3 } }),
    field: 'spec.fe.electionNumber',
    message:
      'Invalid value: 2: electionNumber must be odd (1, 3, 5 or 7) so that a majority of followers survives a failure',
  },
  {
    name: 'election number above replicas',
    bad: spec({ fe: { replicas: 3, electionNumber: 5 } }),
    good: spec({ fe: { replicas: 5, electionNumber: 5 } }),
    field: 'spec.fe.electionNumber',
    message: 'Invalid value: electionNumber must not exceed replicas: the followers are FE members',
  },
  {
    name: 'election number above 7',
    bad: spec({ fe: { replicas: 9, electionNumber: 9 } }),
    good: spec({ fe: { replicas: 9, electionNumber: 7 } }),
    field: 'spec.fe.electionNumber',
    message: 'Invalid value: 9: spec.fe.electionNumber in body should be less than or equal to 7',
  },
  {
    name: 'negative BE replicas',
    bad: spec({ be: { replicas: -1 } }),
    good: spec({ be: { replicas: 1 } }),
    field: 'spec.be.replicas',
    message: 'Invalid value: -1: spec.be.replicas in body should be greater than or equal to 1',
  },
  {
    name: 'negative CN replicas',
    bad: spec({ cn: { replicas: -2 } }),
    good: spec({ cn: { replicas: 0 } }),
    field: 'spec.cn.replicas',
    message: 'Invalid value: -2: spec.cn.replicas in body should be greater than or equal to 0',
  },
  {
    name: 'data directory size that is not a quantity',
    bad: dataDir({ size: '10Gx' }),
    good: dataDir({ size: '10Gi' }),
    field: 'spec.be.storage.dataDirs[0].size',
    message: 'Invalid value: "10Gx": must be a positive quantity such as 100Gi',
  },
  {
    name: 'zero metadata volume',
    bad: spec({ fe: { storage: { meta: { size: 0 } } } }),
    good: spec({ fe: { storage: { meta: { size: '1Gi' } } } }),
    field: 'spec.fe.storage.meta.size',
    message: 'Invalid value: 0: must be a positive quantity such as 100Gi',
  },
  {
    name: 'negative log volume',
    bad: spec({ broker: { storage: { logs: { size: '-5Gi' } } } }),
    good: spec({ broker: { storage: { logs: { size: '5Gi' } } } }),
    field: 'spec.broker.storage.logs.size',
    message: 'Invalid value: "-5Gi": must be a positive quantity such as 100Gi',
  },
  {
    name: 'unknown service type',
    bad: spec({ fe: { service: { type: 'External' } } }),
    good: spec({ fe: { service: { type: 'LoadBalancer' } } }),
    field: 'spec.fe.service.type',
    message: 'Unsupported value: "External": supported values: "ClusterIP", "NodePort", "LoadBalancer"',
  },
  {
    name: 'unknown storage medium',
    bad: dataDir({ medium: 'NVME' }),
    good: dataDir({ medium: 'SSD' }),
    field: 'spec.be.storage.dataDirs[0].medium',
    message: 'Unsupported value: "NVME": supported values: "HDD", "SSD"',
  },
  {
    name: 'neither version nor images',
    bad: spec({ version: undefined }),
    good: spec({
      version: undefined,
      fe: { image: 'apache/doris:fe-2.1.8' },
      be: { image: 'apache/doris:be-2.1.8' },
    }),
    field: 'spec.version',
    message: 'Required value: version is required unless every component sets its image',
  },
  {
    name: 'version that is not a release',
    bad: spec({ version: 'latest' }),
    good: spec({ version: '3.0.5' }),
    field: 'spec.version',
    message:
      'Invalid value: "latest": version must be a Doris release such as 2.1.8 (images are tagged fe-<version>, be-<version>)',
  },
  {
    name: 'fe.conf port owned by the operator',
    bad: spec({ fe: { config: { query_port: '9031' } } }),
    good: spec({ fe: { config: { qe_max_connection: '1024' } } }),
    field: 'spec.fe.config',
    message:
      'Invalid value: query_port is set by the operator in fe.conf: the port is fixed at 9030; expose it with spec.fe.service',
  },
  {
    name: 'be.conf storage path owned by the operator',
    bad: spec({ be: { config: { storage_root_path: '/data' } } }),
    good: spec({ be: { config: { max_tablet_version_num: '2000' } } }),
    field: 'spec.be.config',
    message:
      'Invalid value: storage_root_path is set by the operator in be.conf: use spec.be.storage.dataDirs ' +
      '(one volume per directory, with its medium)',
  },
  {
    name: 'config value written as a number',
    bad: spec({ fe: { config: { qe_max_connection: 1024 } } }),
    good: spec({ fe: { config: { qe_max_connection: '1024' } } }),
    field: 'spec.fe.config.qe_max_connection',
    message:
      'Invalid value: "integer": spec.fe.config.qe_max_connection in body must be of type string: "integer"',
  },
  {
    name: 'extra file named like the main configuration file',
    bad: spec({ fe: { configFiles: { 'fe.conf': 'x = 1' } } }),
    good: spec({ fe: { configFiles: { 'log4j2-spring.xml': '<Configuration/>' } } }),
    field: 'spec.fe.configFiles',
    message: 'Invalid value: fe.conf comes from config, not configFiles',
  },
  {
    name: 'request above limit',
    bad: spec({ fe: { resources: { requests: { cpu: '4' }, limits: { cpu: 2 } } } }),
    good: spec({ fe: { resources: { requests: { cpu: '2' }, limits: { cpu: 2 } } } }),
    field: 'spec.fe.resources.requests',
    message: 'Invalid value: each request must be less than or equal to the limit of the same resource',
  },
  {
    name: 'resource amount that is not a quantity',
    bad: spec({ be: { resources: { requests: { memory: 'lots' } } } }),
    good: spec({ be: { resources: { requests: { memory: '16Gi' } } } }),
    field: 'spec.be.resources.requests[memory]',
    message: 'Invalid value: "lots": must be a quantity such as 500m, 4Gi or 2',
  },
  {
    name: 'cluster name child objects cannot carry',
    bad: { metadata: { name: '1-cluster' } },
    good: { metadata: { name: 'cluster-1' } },
    field: 'metadata.name',
    message:
      'Invalid value: "1-cluster": must be at most 40 lower-case letters, digits and \'-\', starting with a letter: ' +
      'it prefixes the names of the StatefulSets, Services and pods of the cluster',
  },
  {
    name: 'two data directories with one name',
    bad: spec({ be: { storage: { dataDirs: [{ name: 'storage' }, { name: 'storage' }] } } }),
    good: spec({ be: { storage: { dataDirs: [{ name: 'storage' }, { name: 'storage2' }] } } }),
    field: 'spec.be.storage.dataDirs[1]',
    message: 'Duplicate value: {"name":"storage"}',
  },
  {
    name: 'environment variable the entrypoint needs',
    bad: spec({ fe: { pod: { env: [{ name: 'ELECT_NUMBER', value: '1' }] } } }),
    good: spec({ fe: { pod: { env: [{ name: 'JAVA_OPTS', value: '-Xmx8g' }] } } }),
    field: 'spec.fe.pod.env',
    message:
      'Invalid value: ENV_FE_ADDR, FE_QUERY_PORT, ELECT_NUMBER, USER, PASSWD, DORIS_ROOT, CONFIGMAP_MOUNT_PATH, ' +
      'POD_NAME, POD_IP, HOST_IP, POD_NAMESPACE, HOST_TYPE are set by the operator for the Doris entrypoints',
  },
  {
    name: 'pod label the operator selects by',
    bad: spec({ be: { pod: { labels: { 'app.kubernetes.io/component': 'x' } } } }),
    good: spec({ be: { pod: { labels: { team: 'analytics' } } } }),
    field: 'spec.be.pod.labels',
    message:
      "Invalid value: label keys starting with doris.cloudnative.dev/ or app.kubernetes.io/ are reserved for the operator's selectors",
  },
  {
    name: 'inherited label the operator selects by',
    bad: spec({ inheritedMetadata: { labels: { 'doris.cloudnative.dev/cluster': 'other' } } }),
    good: spec({ inheritedMetadata: { labels: { 'cost-center': 'bi' } } }),
    field: 'spec.inheritedMetadata.labels',
    message:
      "Invalid value: label keys starting with doris.cloudnative.dev/ or app.kubernetes.io/ are reserved for the operator's selectors",
  },
  {
    name: 'node port on a ClusterIP service',
    bad: spec({ fe: { service: { queryNodePort: 30930 } } }),
    good: spec({ fe: { service: { type: 'NodePort', queryNodePort: 30930 } } }),
    field: 'spec.fe.service.type',
    message: 'Invalid value: queryNodePort and httpNodePort need type NodePort or LoadBalancer',
  },
  {
    name: 'load balancer source range that is not a CIDR',
    bad: spec({ fe: { service: { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.1'] } } }),
    good: spec({ fe: { service: { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8'] } } }),
    field: 'spec.fe.service.loadBalancerSourceRanges',
    message: 'Invalid value: each entry must be a CIDR such as 203.0.113.0/24',
  },
  {
    name: 'retention policy that is neither Retain nor Delete',
    bad: spec({ be: { storage: { retentionPolicy: { whenDeleted: 'Keep' } } } }),
    good: spec({ be: { storage: { retentionPolicy: { whenDeleted: 'Delete' } } } }),
    field: 'spec.be.storage.retentionPolicy.whenDeleted',
    message: 'Unsupported value: "Keep": supported values: "Retain", "Delete"',
  },
  {
    name: 'unknown image pull policy',
    bad: spec({ imagePullPolicy: 'Sometimes' }),
    good: spec({ imagePullPolicy: 'Always' }),
    field: 'spec.imagePullPolicy',
    message: 'Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
  },
  {
    name: 'misspelt field, with strict field validation',
    bad: spec({ fe: { replica: 5 } }),
    good: spec({ fe: { replicas: 5 } }),
    strict: true,
    field: 'spec.fe.replica',
    message: 'unknown field "spec.fe.replica"',
  },
];

export interface UpdateCase extends Refusal {
  readonly name: string;
  readonly initial: Json;
  /** Merge patches of the spec. */
  readonly bad: Json;
  readonly good: Json;
}

const immutableElection =
  'Invalid value: electionNumber cannot change after creation: the FE followers are fixed when the group forms ' +
  '(when omitted it is 3, or 1 below 3 replicas; set it to that value explicitly to change replicas)';

export const updateCases: UpdateCase[] = [
  {
    name: 'election number changed',
    initial: spec({ fe: { replicas: 3, electionNumber: 3 } }),
    bad: { fe: { electionNumber: 1 } },
    good: { fe: { replicas: 5 } },
    field: 'spec.fe.electionNumber',
    message: immutableElection,
  },
  {
    name: 'defaulted election number changed by scaling out',
    initial: spec({ fe: { replicas: 1 } }),
    bad: { fe: { replicas: 3 } },
    good: { fe: { replicas: 3, electionNumber: 1 } },
    field: 'spec.fe.electionNumber',
    message: immutableElection,
  },
  {
    name: 'metadata volume shrunk',
    initial: spec({ fe: { storage: { meta: { size: '50Gi' } } } }),
    bad: { fe: { storage: { meta: { size: '10Gi' } } } },
    good: { fe: { storage: { meta: { size: '60Gi' } } } },
    field: 'spec.fe.storage.meta.size',
    message: 'Invalid value: size can grow but not shrink: a PersistentVolumeClaim cannot be made smaller',
  },
  {
    name: 'data directory removed',
    initial: spec({ be: { storage: { dataDirs: [{ name: 'storage' }, { name: 'storage2' }] } } }),
    bad: { be: { storage: { dataDirs: [{ name: 'storage' }] } } },
    good: {
      be: { storage: { dataDirs: [{ name: 'storage' }, { name: 'storage2' }, { name: 'storage3' }] } },
    },
    field: 'spec.be.storage.dataDirs',
    message: 'Invalid value: data directories cannot be removed or renamed: their tablets would be lost',
  },
  {
    name: 'data directory shrunk',
    initial: spec({ be: { storage: { dataDirs: [{ name: 'storage', size: '1Ti' }] } } }),
    bad: { be: { storage: { dataDirs: [{ name: 'storage', size: '500Gi' }] } } },
    good: { be: { storage: { dataDirs: [{ name: 'storage', size: 2 * 2 ** 40 }] } } },
    field: 'spec.be.storage.dataDirs[0].size',
    message: 'Invalid value: size can grow but not shrink: a PersistentVolumeClaim cannot be made smaller',
  },
  {
    name: 'storage class changed',
    initial: spec({ be: { storage: { dataDirs: [{ name: 'storage', storageClassName: 'fast' }] } } }),
    bad: { be: { storage: { dataDirs: [{ name: 'storage', storageClassName: 'slow' }] } } },
    good: { be: { storage: { dataDirs: [{ name: 'storage', storageClassName: 'fast', size: '200Gi' }] } } },
    field: 'spec.be.storage.dataDirs[0].storageClassName',
    message: 'Invalid value: storageClassName cannot change: the claims already exist in the old class',
  },
  {
    name: 'claim turned into an emptyDir',
    initial: spec({}),
    bad: { fe: { storage: { meta: { type: 'EmptyDir' } } } },
    good: { fe: { storage: { meta: { size: '30Gi' } } } },
    field: 'spec.fe.storage.meta.type',
    message: 'Invalid value: type cannot change between PersistentVolumeClaim and EmptyDir after creation',
  },
];
