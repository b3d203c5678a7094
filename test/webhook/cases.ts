/**
 * The table of DorisCluster objects the admission webhook refuses, each with the field its
 * refusal names, a part of the message (what is valid instead), and the matching good object or
 * update it accepts. Every case passes the CRD's schema and CEL rules: these are what only the
 * webhook catches. Unit tests run the table against the validator; test/webhook runs it through
 * the API server with kubectl.
 */

type Json = Record<string, unknown>;

export interface CreateCase {
  readonly name: string;
  /** Merged into the base object (see support.ts): objects merge, arrays replace. */
  readonly bad: Json;
  readonly good: Json;
  readonly field: string;
  readonly message: string;
}

export interface UpdateCase {
  readonly name: string;
  /** Merged into the base object and created first. */
  readonly initial: Json;
  /** Status written after creation (through the status subresource), as the operator would. */
  readonly status?: Json;
  /** Merge patches of the created object. */
  readonly bad: Json;
  readonly good: Json;
  readonly field: string;
  readonly message: string;
}

/** A StorageClass without volume expansion that test setups create. */
export const FIXED_SIZE_CLASS = 'doris-webhook-test-fixed-size';

const spec = (s: Json): Json => ({ spec: s });
const fe = (s: Json) => spec({ fe: s });
const be = (s: Json) => spec({ be: s });
const fePod = (p: Json) => fe({ pod: p });
const bePod = (p: Json) => be({ pod: p });
const feConfig = (c: Json) => fe({ config: c });
const beConfig = (c: Json) => be({ config: c });
const sidecar = (x: Json) => ({ name: 'shipper', image: 'busybox:1.36', ...x });
const volume = { name: 'extra', emptyDir: {} };
const mount = (x: Json) => ({
  volumes: [volume],
  volumeMounts: [{ name: 'extra', mountPath: '/extra', ...x }],
});
const toleration = (t: Json) => fePod({ tolerations: [t] });
const spread = (t: Json) =>
  bePod({
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', ...t },
    ],
  });

export const createCases: CreateCase[] = [
  {
    name: 'FE running the BE image',
    bad: fe({ image: 'apache/doris:be-2.1.8' }),
    good: fe({ image: 'apache/doris:fe-2.1.8' }),
    field: 'spec.fe.image',
    message: 'is a BE image; FE members run the fe image',
  },
  {
    name: 'BE running the FE image',
    bad: be({ image: 'apache/doris:fe-2.1.8' }),
    good: be({ image: 'apache/doris:be-2.1.8' }),
    field: 'spec.be.image',
    message: 'is a FE image; BE members run the be image',
  },
  {
    name: 'CN running the broker image',
    bad: spec({ cn: { image: 'apache/doris:broker-2.1.8' } }),
    good: spec({ cn: { image: 'apache/doris:be-2.1.8' } }),
    field: 'spec.cn.image',
    message: 'CN members run the be image',
  },
  {
    name: 'broker running the BE image',
    bad: spec({ broker: { image: 'apache/doris:be-2.1.8' } }),
    good: spec({ broker: { image: 'apache/doris:broker-2.1.8' } }),
    field: 'spec.broker.image',
    message: 'Broker members run the broker image',
  },
  {
    name: 'version older than supported',
    bad: spec({ version: '2.0.15' }),
    good: spec({ version: '2.1.0' }),
    field: 'spec.version',
    message: 'the operator runs 2.1.0 or later',
  },
  {
    name: 'component image older than supported',
    bad: be({ image: 'apache/doris:be-1.2.7' }),
    good: be({ image: 'apache/doris:be-2.1.7' }),
    field: 'spec.be.image',
    message: 'is not supported',
  },
  {
    name: 'BE two minor lines ahead of FE',
    bad: be({ image: 'apache/doris:be-3.1.0' }),
    good: be({ image: 'apache/doris:be-3.0.3' }),
    field: 'spec.be.image',
    message: 'more than one minor line away from FE 2.1.8',
  },
  {
    name: 'fe.conf value with a line break',
    bad: feConfig({ qe_max_connection: '1024\nquery_port = 9031' }),
    good: feConfig({ qe_max_connection: '1024' }),
    field: 'spec.fe.config.qe_max_connection',
    message: 'each key is one line of fe.conf',
  },
  {
    name: 'be.conf value with a line break',
    bad: beConfig({ max_tablet_version_num: '2000\r\nbe_port=1' }),
    good: beConfig({ max_tablet_version_num: '2000' }),
    field: 'spec.be.config.max_tablet_version_num',
    message: 'each key is one line of be.conf',
  },
  {
    name: 'root password in fe.conf',
    bad: feConfig({ initial_root_password: '*A00C34073A26B40AB4307650BFB9309D6BFA6999' }),
    good: spec({ authSecretRef: { name: 'doris-auth' } }),
    field: 'spec.fe.config.initial_root_password',
    message: 'name it in spec.authSecretRef',
  },
  {
    name: 'decoupled mode in be.conf',
    bad: beConfig({ deploy_mode: 'cloud' }),
    good: beConfig({ enable_file_cache: 'true' }),
    field: 'spec.be.config.deploy_mode',
    message: 'storage-compute decoupled mode',
  },
  {
    name: 'meta service in fe.conf',
    bad: feConfig({ meta_service_endpoint: 'ms:5000' }),
    good: feConfig({ qe_max_connection: '2048' }),
    field: 'spec.fe.config.meta_service_endpoint',
    message: 'storage-compute decoupled mode',
  },
  {
    name: 'FE heap as large as the memory limit',
    bad: feConfig({ JAVA_OPTS_FOR_JDK_17: '-Xmx16g -Xms16g' }),
    good: feConfig({ JAVA_OPTS_FOR_JDK_17: '-Xmx12g -Xms12g' }),
    field: 'spec.fe.config.JAVA_OPTS_FOR_JDK_17',
    message: 'use at most 75% of the limit (-Xmx12288m)',
  },
  {
    name: 'broker heap above its memory limit',
    bad: spec({
      broker: { resources: { limits: { cpu: 1, memory: '2Gi' } }, config: { JAVA_OPTS: '-Xmx4g' } },
    }),
    good: spec({
      broker: { resources: { limits: { cpu: 1, memory: '2Gi' } }, config: { JAVA_OPTS: '-Xmx1g' } },
    }),
    field: 'spec.broker.config.JAVA_OPTS',
    message: 'the Broker would be OOM-killed',
  },
  {
    name: 'BE mem_limit above the memory limit',
    bad: beConfig({ mem_limit: '64G' }),
    good: beConfig({ mem_limit: '80%' }),
    field: 'spec.be.config.mem_limit',
    message: 'use a percentage such as 80%',
  },
  {
    name: 'CN mem_limit above the memory limit',
    bad: spec({ cn: { resources: { limits: { cpu: 2, memory: '8Gi' } }, config: { mem_limit: '10G' } } }),
    good: spec({ cn: { resources: { limits: { cpu: 2, memory: '8Gi' } }, config: { mem_limit: '6G' } } }),
    field: 'spec.cn.config.mem_limit',
    message: 'the CN would be OOM-killed',
  },
  {
    name: 'sidecar named like the FE container',
    bad: fePod({ sidecars: [sidecar({ name: 'fe' })] }),
    good: fePod({ sidecars: [sidecar({ name: 'fe-logs' })] }),
    field: 'spec.fe.pod.sidecars[0].name',
    message: 'containers and init containers of a pod need distinct names',
  },
  {
    name: 'sidecar without image',
    bad: bePod({ sidecars: [{ name: 'shipper' }] }),
    good: bePod({ sidecars: [sidecar({})] }),
    field: 'spec.be.pod.sidecars[0].image',
    message: 'a container needs an image',
  },
  {
    name: 'init container and sidecar with one name',
    bad: bePod({ initContainers: [sidecar({})], sidecars: [sidecar({})] }),
    good: bePod({ initContainers: [sidecar({ name: 'init' })], sidecars: [sidecar({})] }),
    field: 'spec.be.pod.sidecars[0].name',
    message: 'is already used by spec.be.pod.initContainers[0]',
  },
  {
    name: 'sidecar on the BE web server port',
    bad: bePod({ sidecars: [sidecar({ ports: [{ containerPort: 8040 }] })] }),
    good: bePod({ sidecars: [sidecar({ ports: [{ containerPort: 8041 }] })] }),
    field: 'spec.be.pod.sidecars[0].ports[0].containerPort',
    message: 'port 8040 is a BE port',
  },
  {
    name: 'sidecar on the FE query port',
    bad: fePod({ sidecars: [sidecar({ ports: [{ containerPort: 9030 }] })] }),
    good: fePod({ sidecars: [sidecar({ ports: [{ containerPort: 9031 }] })] }),
    field: 'spec.fe.pod.sidecars[0].ports[0].containerPort',
    message: 'the sidecar would take it from Doris',
  },
  {
    name: "volume named like the operator's",
    bad: fePod({ volumes: [{ name: 'meta', emptyDir: {} }] }),
    good: fePod({ volumes: [{ name: 'meta-backup', emptyDir: {} }] }),
    field: 'spec.fe.pod.volumes[0].name',
    message: "is one of the operator's",
  },
  {
    name: 'volume named like a BE data directory',
    bad: bePod({ volumes: [{ name: 'data-storage', emptyDir: {} }] }),
    good: bePod({ volumes: [{ name: 'scratch', emptyDir: {} }] }),
    field: 'spec.be.pod.volumes[0].name',
    message: "is one of the operator's",
  },
  {
    name: 'volume with two sources',
    bad: bePod({ volumes: [{ name: 'extra', emptyDir: {}, configMap: { name: 'x' } }] }),
    good: bePod({ volumes: [{ name: 'extra', configMap: { name: 'x' } }] }),
    field: 'spec.be.pod.volumes[0]',
    message: 'exactly one source',
  },
  {
    name: 'volume without source',
    bad: bePod({ volumes: [{ name: 'extra' }] }),
    good: bePod({ volumes: [volume] }),
    field: 'spec.be.pod.volumes[0]',
    message: 'found none',
  },
  {
    name: 'mount of a volume not listed',
    bad: fePod({ volumeMounts: [{ name: 'extra', mountPath: '/extra' }] }),
    good: fePod(mount({})),
    field: 'spec.fe.pod.volumeMounts[0].name',
    message: 'list it in spec.fe.pod.volumes',
  },
  {
    name: 'mount inside the FE metadata',
    bad: fePod(mount({ mountPath: '/opt/apache-doris/fe/doris-meta/extra' })),
    good: fePod(mount({ mountPath: '/opt/extra' })),
    field: 'spec.fe.pod.volumeMounts[0].mountPath',
    message: 'where the operator mounts its "meta" volume',
  },
  {
    name: 'mount hiding the Doris home',
    bad: bePod(mount({ mountPath: '/opt/apache-doris' })),
    good: bePod(mount({ mountPath: '/opt/tools' })),
    field: 'spec.be.pod.volumeMounts[0].mountPath',
    message: 'choose a path outside it',
  },
  {
    name: 'mount over the configuration',
    bad: spec({ broker: { pod: mount({ mountPath: '/etc/doris' }) } }),
    good: spec({ broker: { pod: mount({ mountPath: '/etc/extra' }) } }),
    field: 'spec.broker.pod.volumeMounts[0].mountPath',
    message: 'where the operator mounts its "config" volume',
  },
  {
    name: 'mount over the CN file cache',
    bad: spec({ cn: { pod: mount({ mountPath: '/opt/apache-doris/be/file_cache' }) } }),
    good: spec({ cn: { pod: mount({ mountPath: '/opt/apache-doris/cache2' }) } }),
    field: 'spec.cn.pod.volumeMounts[0].mountPath',
    message: 'its "cache" volume',
  },
  {
    name: 'relative mount path',
    bad: fePod(mount({ mountPath: 'extra' })),
    good: fePod(mount({ mountPath: '/extra' })),
    field: 'spec.fe.pod.volumeMounts[0].mountPath',
    message: 'must be an absolute path',
  },
  {
    name: 'two mounts at one path',
    bad: fePod({
      volumes: [volume],
      volumeMounts: [
        { name: 'extra', mountPath: '/x' },
        { name: 'extra', mountPath: '/x' },
      ],
    }),
    good: fePod({
      volumes: [volume],
      volumeMounts: [
        { name: 'extra', mountPath: '/x' },
        { name: 'extra', mountPath: '/y' },
      ],
    }),
    field: 'spec.fe.pod.volumeMounts[1].mountPath',
    message: 'is already mounted by volumeMounts[0]',
  },
  {
    name: 'subPath leaving the volume',
    bad: fePod(mount({ subPath: '../etc' })),
    good: fePod(mount({ subPath: 'etc' })),
    field: 'spec.fe.pod.volumeMounts[0].subPath',
    message: 'without ".."',
  },
  {
    name: 'env with value and valueFrom',
    bad: fePod({
      env: [{ name: 'TZ', value: 'UTC', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    }),
    good: fePod({ env: [{ name: 'TZ', value: 'UTC' }] }),
    field: 'spec.fe.pod.env[0]',
    message: 'sets both value and valueFrom',
  },
  {
    name: 'env valueFrom with two sources',
    bad: bePod({
      env: [
        {
          name: 'K',
          valueFrom: { secretKeyRef: { name: 's', key: 'k' }, configMapKeyRef: { name: 'c', key: 'k' } },
        },
      ],
    }),
    good: bePod({ env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }),
    field: 'spec.be.pod.env[0].valueFrom',
    message: 'needs exactly one of',
  },
  {
    name: 'toleration Exists with a value',
    bad: toleration({ key: 'dedicated', operator: 'Exists', value: 'doris' }),
    good: toleration({ key: 'dedicated', operator: 'Exists' }),
    field: 'spec.fe.pod.tolerations[0].value',
    message: 'remove value',
  },
  {
    name: 'toleration with an unknown effect',
    bad: toleration({ key: 'dedicated', value: 'doris', effect: 'NoRun' }),
    good: toleration({ key: 'dedicated', value: 'doris', effect: 'NoSchedule' }),
    field: 'spec.fe.pod.tolerations[0].effect',
    message: 'effect must be one of NoSchedule, PreferNoSchedule, NoExecute',
  },
  {
    name: 'toleration without key using Equal',
    bad: toleration({ value: 'doris' }),
    good: toleration({ operator: 'Exists' }),
    field: 'spec.fe.pod.tolerations[0].key',
    message: 'must use operator Exists',
  },
  {
    name: 'tolerationSeconds without NoExecute',
    bad: toleration({ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }),
    good: toleration({ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }),
    field: 'spec.fe.pod.tolerations[0].tolerationSeconds',
    message: 'needs effect NoExecute',
  },
  {
    name: 'spread constraint with maxSkew 0',
    bad: spread({ maxSkew: 0 }),
    good: spread({ maxSkew: 1 }),
    field: 'spec.be.pod.topologySpreadConstraints[0].maxSkew',
    message: 'at least 1',
  },
  {
    name: 'spread constraint without topologyKey',
    bad: spread({ topologyKey: '' }),
    good: spread({ topologyKey: 'topology.kubernetes.io/zone' }),
    field: 'spec.be.pod.topologySpreadConstraints[0].topologyKey',
    message: 'topologyKey is required',
  },
  {
    name: 'spread constraint with an unknown policy',
    bad: spread({ whenUnsatisfiable: 'Ignore' }),
    good: spread({ whenUnsatisfiable: 'DoNotSchedule' }),
    field: 'spec.be.pod.topologySpreadConstraints[0].whenUnsatisfiable',
    message: 'DoNotSchedule or ScheduleAnyway',
  },
  {
    name: 'BE data directory over the image libraries',
    bad: be({ storage: { dataDirs: [{ name: 'storage' }, { name: 'lib' }] } }),
    good: be({ storage: { dataDirs: [{ name: 'storage' }, { name: 'storage2' }] } }),
    field: 'spec.be.storage.dataDirs[1].name',
    message: 'would be mounted over /opt/apache-doris/be/lib',
  },
];

export const updateCases: UpdateCase[] = [
  {
    name: 'patch downgrade',
    initial: spec({ version: '2.1.8' }),
    bad: spec({ version: '2.1.7' }),
    good: spec({ version: '2.1.9' }),
    field: 'spec.version',
    message: 'Doris cannot downgrade',
  },
  {
    name: 'minor downgrade',
    initial: spec({ version: '3.0.3' }),
    bad: spec({ version: '2.1.8' }),
    good: spec({ version: '3.0.5' }),
    field: 'spec.version',
    message: 'valid: 3.0.3 or a later 3.0.x, or any 3.1.x',
  },
  {
    name: 'skipping a minor line',
    initial: spec({ version: '2.1.8' }),
    bad: spec({ version: '3.1.0' }),
    good: spec({ version: '3.0.5' }),
    field: 'spec.version',
    message: 'skips 3.0: Doris upgrades one minor line at a time',
  },
  {
    name: 'skipping a minor line through an image',
    initial: be({ image: 'mirror.example.com/doris:be-2.1.8' }),
    bad: be({ image: 'mirror.example.com/doris:be-3.1.1' }),
    good: be({ image: 'mirror.example.com/doris:be-2.1.9' }),
    field: 'spec.be.image',
    message: 'upgrade to 3.0.x first',
  },
  {
    name: 'downgrade through an image',
    initial: fe({ image: 'mirror.example.com/doris:fe-2.1.8' }),
    bad: fe({ image: 'mirror.example.com/doris:fe-2.1.6' }),
    good: fe({ image: 'mirror.example.com/doris:fe-2.1.8-hotfix1' }),
    field: 'spec.fe.image',
    message: 'Doris cannot downgrade',
  },
  {
    name: 'skipping from what the FE still runs',
    initial: spec({ version: '3.0.3' }),
    status: { fe: { currentVersion: 'doris-2.1.8' } },
    bad: spec({ version: '3.1.0' }),
    good: spec({ version: '3.0.5' }),
    field: 'spec.version',
    message: '(FE members still run 2.1.8)',
  },
  {
    name: 'growing a claim whose class cannot expand',
    initial: be({ storage: { dataDirs: [{ name: 'storage', storageClassName: FIXED_SIZE_CLASS }] } }),
    bad: be({
      storage: { dataDirs: [{ name: 'storage', storageClassName: FIXED_SIZE_CLASS, size: '200Gi' }] },
    }),
    good: be({ replicas: 4 }),
    field: 'spec.be.storage.dataDirs[0].size',
    message: `StorageClass ${FIXED_SIZE_CLASS} does not allow volume expansion`,
  },
  {
    name: 'adding a data directory over the image configuration',
    initial: spec({}),
    bad: be({ storage: { dataDirs: [{ name: 'storage' }, { name: 'conf' }] } }),
    good: be({ storage: { dataDirs: [{ name: 'storage' }, { name: 'data2' }] } }),
    field: 'spec.be.storage.dataDirs[1].name',
    message: 'choose another name',
  },
  {
    name: 'lowering the memory limit under the heap',
    initial: feConfig({ JAVA_OPTS_FOR_JDK_17: '-Xmx6g' }),
    bad: fe({ resources: { limits: { memory: '6Gi' } } }),
    good: fe({ resources: { limits: { memory: '10Gi' } } }),
    field: 'spec.fe.config.JAVA_OPTS_FOR_JDK_17',
    message: 'leaves no room below spec.fe.resources.limits.memory (6Gi)',
  },
];

/** Deep merge for test objects: objects merge, arrays and scalars replace, undefined deletes. */
export function merge(base: Json, patch: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else if (isPlain(v) && isPlain(out[k])) out[k] = merge(out[k] as Json, v);
    else out[k] = v;
  }
  return out;
}

const isPlain = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A valid cluster with limits set (so that only the case's own problem shows), `patch` merged in. */
export function baseCluster(name: string, patch: Json = {}): Json {
  const limits = { resources: { limits: { cpu: 4, memory: '16Gi' } } };
  return merge(
    {
      apiVersion: 'doris.cloudnative.dev/v1alpha1',
      kind: 'DorisCluster',
      metadata: { name },
      spec: { version: '2.1.8', fe: { replicas: 3, ...limits }, be: { replicas: 3, ...limits } },
    },
    patch,
  );
}
