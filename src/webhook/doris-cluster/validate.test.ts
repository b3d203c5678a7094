/**
 * The validator against the webhook's case table (test/webhook/cases.ts): each bad object yields a
 * problem naming the field with a message saying what is valid, each good one none. Objects go
 * through the defaulter first, as they do in the API server (mutating before validating).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  baseCluster,
  createCases,
  FIXED_SIZE_CLASS,
  merge,
  updateCases,
} from '../../../test/webhook/cases.ts';
import { defaultDorisCluster } from './defaults.ts';
import type { Facts } from './facts.ts';
import { validateDorisCluster } from './validate.ts';

const facts: Facts = {
  storageClasses: new Map([
    [FIXED_SIZE_CLASS, { allowVolumeExpansion: false, isDefault: false }],
    ['standard', { allowVolumeExpansion: true, isDefault: true }],
  ]),
};

const validate = (object: unknown, oldObject?: unknown) =>
  validateDorisCluster({ object, oldObject, namespace: 'tenant-a', facts });

function assertNames(problems: readonly { path: string; message: string }[], field: string, message: string) {
  assert.ok(
    problems.some((p) => p.path === field && p.message.includes(message)),
    `want ${field}: ...${message}...; got ${JSON.stringify(problems, null, 1)}`,
  );
}

describe('DorisCluster validation: create cases', () => {
  assert.ok(createCases.length + updateCases.length >= 40);
  for (const c of createCases) {
    test(c.name, () => {
      const bad = defaultDorisCluster(baseCluster('c1', c.bad));
      assertNames(validate(bad).problems, c.field, c.message);
      const good = defaultDorisCluster(baseCluster('c1', c.good));
      assert.deepEqual(validate(good).problems, []);
    });
  }
});

describe('DorisCluster validation: update cases', () => {
  for (const c of updateCases) {
    test(c.name, () => {
      const stored = {
        ...defaultDorisCluster(baseCluster('c1', c.initial)),
        ...(c.status ? { status: c.status } : {}),
      };
      const bad = defaultDorisCluster(merge(stored, c.bad), stored);
      assertNames(validate(bad, stored).problems, c.field, c.message);
      const good = defaultDorisCluster(merge(stored, c.good), stored);
      assert.deepEqual(validate(good, stored).problems, []);
    });
  }
});

describe('DorisCluster validation: rules beyond the table', () => {
  test('all problems are reported, not only the first', () => {
    const obj = defaultDorisCluster(
      baseCluster('c1', {
        spec: {
          fe: { image: 'apache/doris:be-2.1.8', config: { a: 'x\ny' } },
          be: { storage: { dataDirs: [{ name: 'bin' }] } },
        },
      }),
    );
    const paths = validate(obj).problems.map((p) => p.path);
    assert.deepEqual(paths.sort(), ['spec.be.storage.dataDirs[0].name', 'spec.fe.config.a', 'spec.fe.image']);
  });

  test('a rollback is allowed while no FE runs the newer version, with a warning', () => {
    const stored = {
      ...defaultDorisCluster(baseCluster('c1', { spec: { version: '2.1.8' } })),
      status: {
        fe: {
          currentVersion: 'doris-2.1.7',
          members: [{ podName: 'c1-fe-0', role: 'FOLLOWER', version: 'doris-2.1.7' }],
        },
      },
    };
    const back = defaultDorisCluster(merge(stored, { spec: { version: '2.1.7' } }), stored);
    const f = validate(back, stored);
    assert.deepEqual(f.problems, []);
    assert.ok(f.warnings.some((w) => w.startsWith('spec.version: rolling the cluster back to 2.1.7')));
    const upgradedFe = {
      ...stored,
      status: {
        fe: {
          currentVersion: 'doris-2.1.7',
          members: [{ podName: 'c1-fe-2', role: 'FOLLOWER', version: 'doris-2.1.8' }],
        },
      },
    };
    assertNames(
      validate(defaultDorisCluster(merge(upgradedFe, { spec: { version: '2.1.7' } }), upgradedFe), upgradedFe)
        .problems,
      'spec.version',
      'Doris cannot downgrade',
    );
  });

  test('next lines: 2.1 -> 3.0 and 3.1 -> 4.0 are upgrades, 2.1 -> 3.1 is not', () => {
    for (const [from, to, ok] of [
      ['2.1.8', '3.0.1', true],
      ['3.1.2', '4.0.0', true],
      ['2.1.8', '3.1.0', false],
      ['3.0.7', '3.1.0', true],
    ] as const) {
      const stored = defaultDorisCluster(baseCluster('c1', { spec: { version: from } }));
      const next = defaultDorisCluster(merge(stored, { spec: { version: to } }), stored);
      assert.equal(validate(next, stored).problems.length === 0, ok, `${from} -> ${to}`);
    }
  });

  test('derived names: the member FQDN counts the namespace and cluster domain', () => {
    const obj = defaultDorisCluster(baseCluster('a'.repeat(40)));
    const long = validateDorisCluster({
      object: obj,
      namespace: 'n'.repeat(63),
      clusterDomain: `${'d'.repeat(63)}.${'e'.repeat(63)}`,
    });
    assertNames(long.problems, 'metadata.name', 'over the Kubernetes limit of 253');
    assert.deepEqual(validate(obj).problems, []);
    const tooLong = defaultDorisCluster(baseCluster('b'.repeat(50), { spec: { broker: {} } }));
    assertNames(validate(tooLong).problems, 'metadata.name', 'StatefulSet revision label');
  });

  test('a node port outside 30000-32767 is warned about by field; an EmptyDir never stays Pending', () => {
    const ported = (queryNodePort: number) =>
      validate(
        defaultDorisCluster(
          baseCluster('np', {
            spec: { fe: { service: { type: 'NodePort', queryNodePort, httpNodePort: 30080 } } },
          }),
        ),
      );
    const low = ported(80);
    assert.deepEqual(low.problems, []);
    assert.ok(
      low.warnings.some((w) =>
        /^spec\.fe\.service\.queryNodePort: 80 is outside the default node port range 30000-32767/.test(w),
      ),
      low.warnings.join(' | '),
    );
    assert.ok(!low.warnings.some((w) => w.startsWith('spec.fe.service.httpNodePort')));
    assert.ok(!ported(30090).warnings.some((w) => w.includes('node port range')));

    const scratch = validate(
      defaultDorisCluster(
        baseCluster('ed', {
          spec: {
            be: {
              storage: { dataDirs: [{ name: 'scratch', type: 'EmptyDir', storageClassName: 'nowhere' }] },
            },
          },
        }),
      ),
    );
    assert.ok(!scratch.warnings.some((w) => w.includes('Pending')), scratch.warnings.join(' | '));
  });

  test('taking cn or broker out of a cluster is warned about: how its members leave and what is deleted', () => {
    const before = defaultDorisCluster(
      baseCluster('rm', { spec: { cn: { replicas: 2 }, broker: { replicas: 1 } } }),
    );
    const after = defaultDorisCluster(baseCluster('rm', { spec: { broker: { replicas: 1 } } }));
    const f = validateDorisCluster({ object: after, oldObject: before, namespace: 'x' });
    assert.deepEqual(f.problems, []);
    const removal = f.warnings.filter((w) => w.startsWith('spec.cn: removing it'));
    assert.equal(removal.length, 1, f.warnings.join(' | '));
    assert.match(
      removal[0] ?? '',
      /2 CN .*drained, then dropped.*StatefulSet, Services, ConfigMap and PodDisruptionBudget/,
    );
    assert.ok(!f.warnings.some((w) => w.startsWith('spec.broker: removing')));
  });

  test('warnings for risky choices, without denial', () => {
    const risky = defaultDorisCluster({
      apiVersion: 'doris.cloudnative.dev/v1alpha1',
      kind: 'DorisCluster',
      metadata: { name: 'trial' },
      spec: {
        version: '2.1.8',
        fe: { replicas: 1, storage: { meta: { type: 'EmptyDir' } } },
        be: { replicas: 1 },
      },
    });
    const f = validateDorisCluster({
      object: risky,
      namespace: 'x',
      facts: { authSecret: { state: 'missing' } },
    });
    assert.deepEqual(f.problems, []);
    const prefixes = f.warnings.map((w) => w.split(':')[0]);
    for (const p of [
      'spec.fe.replicas',
      'spec.be.replicas',
      'spec.fe.resources.limits',
      'spec.be.resources.limits',
      'spec.fe.storage.meta.type',
      'spec.authSecretRef',
    ]) {
      assert.ok(prefixes.includes(p), `a warning for ${p}: ${f.warnings.join(' | ')}`);
    }
    const withSecret = merge(risky, { spec: { authSecretRef: { name: 'auth' } } });
    const missing = validateDorisCluster({
      object: withSecret,
      namespace: 'x',
      facts: { authSecret: { state: 'missing' } },
    });
    assert.ok(
      missing.warnings.some((w) => w.startsWith('spec.authSecretRef.name: Secret auth does not exist')),
    );
    const noKeys = validateDorisCluster({
      object: withSecret,
      namespace: 'x',
      facts: { authSecret: { state: 'found', keys: ['user'] } },
    });
    assert.deepEqual(
      noKeys.problems.map((p) => [p.path, /has no username or password key/.test(p.message)]),
      [['spec.authSecretRef.name', true]],
      'a Secret without both keys is refused: the operator would otherwise run as root with no password',
    );
  });

  test('a spec the schema refuses is reported with its path instead of crashing the rules', () => {
    const f = validateDorisCluster({
      object: { spec: { fe: { replicas: 'three' }, be: {} } },
      namespace: 'x',
    });
    assert.equal(f.problems[0]?.path, 'spec.fe.replicas');
    assert.match(f.problems[0]!.message, /CRD should have refused this/);
  });
});

describe('DorisCluster validation: what the images need', () => {
  const warnings = (spec: object, extra: Partial<Facts> = {}) =>
    validateDorisCluster({
      object: defaultDorisCluster(baseCluster('c1', { spec })),
      namespace: 'tenant-a',
      facts: { ...facts, ...extra },
    }).warnings;

  test('the FE heap: 75% of the memory, warned about only when too small for an FE', () => {
    assert.ok(
      !warnings({ fe: { resources: { limits: { cpu: 4, memory: '4Gi' } } } }).some((w) => /FE heap/.test(w)),
    );
    const small = warnings({ fe: { resources: { limits: { cpu: 4, memory: '2Gi' } } } });
    assert.ok(
      small.some((w) => w.startsWith('spec.fe.resources.limits.memory: the FE heap would be 1.5 GiB')),
      small.join(' | '),
    );
    assert.ok(
      !warnings({
        fe: { resources: { limits: { cpu: 4, memory: '2Gi' } }, config: { JAVA_OPTS_FOR_JDK_17: '-Xmx1g' } },
      }).some((w) => /FE heap/.test(w)),
      'your own heap is yours',
    );
  });

  test('enable_all_http_auth names what breaks', () => {
    const w = warnings({
      fe: { config: { enable_all_http_auth: 'true' } },
      be: { config: { enable_all_http_auth: 'true' } },
    });
    assert.ok(w.some((x) => x.startsWith('spec.fe.config.enable_all_http_auth: ') && /Prometheus/.test(x)));
    assert.ok(
      w.some((x) => x.startsWith('spec.be.config.enable_all_http_auth: ') && /never turn Ready/.test(x)),
    );
  });

  test('host preparation in a namespace enforcing baseline or restricted is warned about, per component that runs it', () => {
    for (const level of ['baseline', 'restricted'] as const) {
      const w = warnings({ cn: { replicas: 1 } }, { podSecurity: level });
      for (const c of ['be', 'cn'])
        assert.ok(
          w.some((x) =>
            x.startsWith(`spec.${c}.hostPreparation.enabled: the namespace enforces the ${level}`),
          ),
          w.join(' | '),
        );
    }
    const off = warnings({ be: { hostPreparation: { enabled: false } } }, { podSecurity: 'restricted' });
    assert.ok(!off.some((x) => /hostPreparation/.test(x)));
    assert.ok(!warnings({}, { podSecurity: 'privileged' }).some((x) => /hostPreparation/.test(x)));
  });

  test('a configMapRef its author may not read is refused; a missing one is warned about', () => {
    const object = defaultDorisCluster(
      baseCluster('c1', { spec: { be: { configMapRef: { name: 'conf' } } } }),
    );
    const denied = validateDorisCluster({
      object,
      namespace: 'tenant-a',
      facts: { ...facts, ownConfigMaps: new Map([['conf', { exists: true, readable: false }]]) },
    });
    assertNames(denied.problems, 'spec.be.configMapRef.name', 'you may not get ConfigMap tenant-a/conf');
    const unchanged = validateDorisCluster({
      object,
      oldObject: object,
      namespace: 'tenant-a',
      facts: { ...facts, ownConfigMaps: new Map([['conf', { exists: true, readable: false }]]) },
    });
    assert.deepEqual(
      unchanged.problems,
      [],
      'a reference another user made is not re-checked on an unrelated update',
    );
    const missing = validateDorisCluster({
      object,
      namespace: 'tenant-a',
      facts: { ...facts, ownConfigMaps: new Map([['conf', { exists: false, readable: true }]]) },
    });
    assert.deepEqual(missing.problems, []);
    assert.ok(
      missing.warnings.some((w) => w.startsWith('spec.be.configMapRef.name: ConfigMap conf does not exist')),
    );
  });
});

describe('DorisCluster validation: what the start scripts refuse', () => {
  const problems = (spec: object) =>
    validateDorisCluster({
      object: defaultDorisCluster(baseCluster('c1', { spec })),
      namespace: 'tenant-a',
      facts,
    }).problems;

  test('a proxy variable in the FE, BE or CN environment is refused (start_fe.sh and start_be.sh exit)', () => {
    for (const c of ['fe', 'be'])
      assertNames(
        problems({ [c]: { pod: { env: [{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }] } } }),
        `spec.${c}.pod.env[0].name`,
        'start script exits when HTTPS_PROXY is set',
      );
    assert.deepEqual(problems({ fe: { pod: { env: [{ name: 'NO_PROXY', value: 'x' }] } } }), []);
  });

  test('an fe.conf value naming a variable the FE cannot resolve is refused; one it can is not', () => {
    const ref = (name: string) => `\${${name}}/audit`;
    assertNames(
      problems({ fe: { config: { audit_log_dir: ref('AUDIT_HOME') } } }),
      'spec.fe.config.audit_log_dir',
      'no such env variable: AUDIT_HOME',
    );
    assert.deepEqual(problems({ fe: { config: { audit_log_dir: ref('DORIS_HOME') } } }), []);
    assert.deepEqual(
      problems({
        fe: {
          config: { audit_log_dir: ref('AUDIT_HOME') },
          pod: { env: [{ name: 'AUDIT_HOME', value: '/a' }] },
        },
      }),
      [],
    );
  });
});
