/**
 * fast-check generators of DorisCluster specs for the property tests: mostly shaped like real
 * specs, with the values users get wrong (versions, images of the wrong component, heaps, line
 * breaks, colliding names and paths), and now and then arbitrary JSON in place of a field.
 */
import fc from 'fast-check';

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const junk = fc.jsonValue({ maxDepth: 2 });
/** Mostly `a`, sometimes any JSON at all. */
const loose = <T>(a: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: a, weight: 9 }, { arbitrary: junk, weight: 1 });

export const version = fc.oneof(
  fc.constantFrom('2.1.8', '2.1.7', '3.0.3', '3.1.0', '2.0.15', '4.0.1', 'v2.1.8', 'latest', '2.1', ''),
  fc.tuple(fc.nat(5), fc.nat(4), fc.nat(20)).map(([a, b, c]) => `${a}.${b}.${c}`),
);

const image = fc
  .tuple(
    fc.constantFrom('apache/doris', 'mirror.local:5000/doris', 'selectdb/doris.fe-ubuntu', 'x'),
    fc.constantFrom('fe-', 'be-', 'broker-', ''),
    version,
  )
  .map(([repo, prefix, v]) => `${repo}:${prefix}${v}`);

const quantity = fc.oneof(
  fc.constantFrom('1Gi', '2Gi', '16Gi', '100Gi', '200Gi', '500m', '0', '-1Gi', 'lots'),
  fc.integer({ min: -5, max: 2 ** 40 }),
);

const configKey = fc.oneof(
  fc.constantFrom(
    'qe_max_connection',
    'mem_limit',
    'JAVA_OPTS',
    'JAVA_OPTS_FOR_JDK_17',
    'deploy_mode',
    'initial_root_password',
    'query_port',
    'priority_networks',
  ),
  fc.stringMatching(/^[a-z_][a-z0-9_.]{0,12}$/),
);
const configValue = fc.oneof(
  fc.constantFrom('-Xmx8g -Xms8g', '-Xmx1g', '64G', '80%', 'a\nb', '1024', 'true'),
  fc.string({ maxLength: 12 }),
  fc.integer(),
);

const container = fc.record(
  {
    name: fc.constantFrom('fe', 'be', 'shipper', 'init', 'x'),
    image: opt(fc.constantFrom('busybox:1.36', '')),
    ports: opt(
      fc.array(fc.record({ containerPort: fc.constantFrom(8030, 8040, 9030, 9050, 8000, 8081) }), {
        maxLength: 2,
      }),
    ),
  },
  { requiredKeys: ['name'] },
);

const pod = fc.record(
  {
    sidecars: fc.uniqueArray(container, { maxLength: 2, selector: (c) => c.name }),
    initContainers: fc.uniqueArray(container, { maxLength: 2, selector: (c) => c.name }),
    volumes: fc.uniqueArray(
      fc.record(
        {
          name: fc.constantFrom('meta', 'extra', 'storage', 'log', 'cache'),
          emptyDir: opt(fc.constant({})),
          configMap: opt(fc.constant({ name: 'c' })),
        },
        { requiredKeys: ['name'] },
      ),
      { maxLength: 2, selector: (v) => v.name },
    ),
    volumeMounts: fc.array(
      fc.record(
        {
          name: fc.constantFrom('extra', 'meta', 'nope'),
          mountPath: fc.constantFrom(
            '/extra',
            'extra',
            '/etc/doris',
            '/opt/apache-doris',
            '/x',
            '/opt/apache-doris/be/file_cache',
          ),
          subPath: opt(fc.constantFrom('a', '../b', '/c')),
        },
        { requiredKeys: ['name', 'mountPath'] },
      ),
      { maxLength: 2 },
    ),
    env: fc.uniqueArray(
      fc.record(
        {
          name: fc.constantFrom('TZ', 'JAVA_HOME', 'K'),
          value: opt(fc.string({ maxLength: 5 })),
          valueFrom: opt(
            fc.constantFrom(
              {},
              { fieldRef: { fieldPath: 'metadata.name' } },
              { secretKeyRef: { name: 's', key: 'k' }, configMapKeyRef: { name: 'c', key: 'k' } },
            ),
          ),
        },
        { requiredKeys: ['name'] },
      ),
      { maxLength: 2, selector: (e) => e.name },
    ),
    tolerations: fc.array(
      fc.record(
        {
          key: opt(fc.constantFrom('k', '')),
          operator: opt(fc.constantFrom('Equal', 'Exists', 'Bad')),
          value: opt(fc.constantFrom('v', '')),
          effect: opt(fc.constantFrom('NoSchedule', 'NoExecute', 'Nope')),
          tolerationSeconds: opt(fc.nat(100)),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 2 },
    ),
    topologySpreadConstraints: fc.array(
      fc.record({
        maxSkew: fc.integer({ min: -1, max: 3 }),
        topologyKey: fc.constantFrom('', 'kubernetes.io/hostname'),
        whenUnsatisfiable: fc.constantFrom('DoNotSchedule', 'ScheduleAnyway', 'Ignore'),
      }),
      { maxLength: 1 },
    ),
  },
  { requiredKeys: [] },
);

const component = (extra: Record<string, fc.Arbitrary<unknown>> = {}) =>
  fc.record(
    {
      image: opt(image),
      replicas: loose(fc.integer({ min: -1, max: 9 })),
      resources: opt(
        fc.record(
          { limits: fc.dictionary(fc.constantFrom('cpu', 'memory'), quantity, { maxKeys: 2 }) },
          { requiredKeys: [] },
        ),
      ),
      config: opt(loose(fc.dictionary(configKey, configValue, { maxKeys: 3 }))),
      pod: opt(loose(pod)),
      ...extra,
    },
    { requiredKeys: [] },
  );

const volume = fc.record(
  {
    type: opt(fc.constantFrom('PersistentVolumeClaim', 'EmptyDir')),
    size: opt(quantity),
    storageClassName: opt(fc.constantFrom('standard', 'fast')),
  },
  { requiredKeys: [] },
);

export const spec = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record(
      {
        version: opt(version),
        imageRepository: opt(fc.constantFrom('apache/doris', 'mirror.local:5000/doris')),
        authSecretRef: opt(fc.record({ name: fc.constantFrom('auth', 'x') })),
        fe: component({
          electionNumber: opt(fc.integer({ min: 0, max: 9 })),
          storage: opt(fc.record({ meta: volume }, { requiredKeys: [] })),
        }),
        be: component({
          storage: opt(
            fc.record({
              dataDirs: fc.uniqueArray(
                fc.record({ name: fc.constantFrom('storage', 'lib', 'data2', 'conf'), size: opt(quantity) }),
                { minLength: 1, maxLength: 3, selector: (d) => d.name },
              ),
            }),
          ),
        }),
        cn: opt(component()),
        broker: opt(component()),
      },
      { requiredKeys: ['fe', 'be'] },
    ),
  },
  { weight: 1, arbitrary: junk },
);

/** Drops undefined values, as JSON on the wire does. */
export const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v ?? null)) as T;

/** Specs near the valid ones (most pass the schema), so that random objects also get stored. */
export const plausibleSpec = fc.record(
  {
    version: fc.constantFrom('2.1.7', '2.1.8', '3.0.3', '2.0.15'),
    fe: fc.record(
      {
        replicas: fc.integer({ min: 1, max: 5 }),
        image: opt(fc.constantFrom('apache/doris:fe-2.1.8', 'apache/doris:be-2.1.8')),
        resources: opt(
          fc.constantFrom({ limits: { cpu: 2, memory: '8Gi' } }, { limits: { memory: '16Gi' } }),
        ),
        config: opt(
          fc.dictionary(
            fc.constantFrom('qe_max_connection', 'JAVA_OPTS_FOR_JDK_17', 'max_conn'),
            configValue,
            { maxKeys: 2 },
          ),
        ),
      },
      { requiredKeys: ['replicas'] },
    ),
    be: fc.record(
      {
        replicas: fc.integer({ min: 1, max: 5 }),
        config: opt(
          fc.dictionary(fc.constantFrom('mem_limit', 'max_tablet_version_num'), configValue, { maxKeys: 2 }),
        ),
        resources: opt(fc.constantFrom({ limits: { cpu: 4, memory: '32Gi' } })),
        pod: opt(pod),
      },
      { requiredKeys: ['replicas'] },
    ),
  },
  { requiredKeys: ['version', 'fe', 'be'] },
);
