import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JsonSchema } from '../schema/structural.ts';
import { dorisClusterKind } from './doris-cluster.ts';
import { defaultElectionNumber, InvalidSpecError, withDefaults } from './doris-cluster-defaults.ts';
import { type Component, configFileName, findOwnedKeys, ownedConfigKeys } from './owned-config.ts';

const crd = dorisClusterKind.crd();
const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
const at = (path: string): JsonSchema =>
  path
    .split('.')
    .reduce<JsonSchema>((node, key) => (node.properties as Record<string, JsonSchema>)[key]!, root);

describe('the DorisCluster CRD', () => {
  test('names, category, status subresource and no scale subresource', () => {
    assert.equal(crd.metadata.name, 'dorisclusters.doris.cloudnative.dev');
    assert.deepEqual(crd.spec.names.shortNames, ['dc']);
    assert.deepEqual(crd.spec.names.categories, ['doris']);
    assert.equal(crd.spec.scope, 'Namespaced');
    // Four replica counts do not fit the scale subresource's single one (see doris-cluster.ts).
    assert.deepEqual(crd.spec.versions[0]!.subresources, { status: {} });
  });

  test('printer columns: FE, BE, CN ready, version, phase, failed, operation, age; broker, master and member with -o wide', () => {
    const cols = crd.spec.versions[0]!.additionalPrinterColumns!;
    assert.deepEqual(
      cols.filter((c) => !c.priority).map((c) => `${c.name}=${c.jsonPath}`),
      [
        'FE=.status.fe.ready',
        'BE=.status.be.ready',
        'CN=.status.cn.ready',
        'Version=.status.version',
        'Phase=.status.phase',
        'Failed=.status.failedMembers',
        'Operation=.status.operation.type',
        'Age=.metadata.creationTimestamp',
      ],
    );
    assert.deepEqual(
      cols.filter((c) => c.priority === 1).map((c) => c.name),
      ['Broker', 'Master', 'Member'],
    );
  });

  test('fe and be are required; cn and broker optional', () => {
    assert.deepEqual(at('spec').required, ['fe', 'be']);
  });

  test('the election number: odd, 1..7, not above replicas, immutable', () => {
    const en = at('spec.fe.electionNumber');
    assert.equal(en.minimum, 1);
    assert.equal(en.maximum, 7);
    assert.equal(en.default, undefined, 'defaulted from replicas in CEL and withDefaults, not statically');
    const rules = at('spec.fe')['x-kubernetes-validations'] as { rule: string }[];
    assert.ok(
      rules.some((r) => r.rule.includes('oldSelf')),
      'an immutability rule on oldSelf',
    );
  });

  test('every owned config key is refused by a rule that names it and the field to use', () => {
    for (const component of ['fe', 'be', 'cn', 'broker'] as Component[]) {
      const rules = at(`spec.${component}.config`)['x-kubernetes-validations'] as {
        rule: string;
        message: string;
      }[];
      for (const owned of ownedConfigKeys[component]) {
        const rule = rules.find((r) => r.rule === `!('${owned.key}' in self)`);
        assert.ok(rule, `${component}: no rule for ${owned.key}`);
        assert.ok(
          rule.message.startsWith(`${owned.key} is set by the operator in ${configFileName[component]}`),
        );
      }
    }
  });

  test('data is retained by default: Retain on scale-in and on deletion, claims rather than emptyDir', () => {
    const spec = withDefaults({ version: '2.1.8', fe: {}, be: {}, cn: {}, broker: {} });
    for (const c of [spec.fe, spec.be, spec.cn!, spec.broker!]) {
      assert.deepEqual(c.storage.retentionPolicy, { whenScaled: 'Retain', whenDeleted: 'Retain' });
    }
    assert.equal(spec.fe.storage.meta.type, 'PersistentVolumeClaim');
    assert.equal(spec.cn!.storage.cache.type, 'PersistentVolumeClaim');
    assert.deepEqual(spec.be.storage.dataDirs, [
      { name: 'storage', medium: 'HDD', type: 'PersistentVolumeClaim', size: '100Gi' },
    ]);
  });
});

/** Checks that each schema default is the value withDefaults gives at that path. */
function assertDefaultsMatch(schema: JsonSchema, value: unknown, path: string): number {
  let checked = 0;
  if (Array.isArray(value) && schema.items) {
    value.forEach((v, i) => {
      checked += assertDefaultsMatch(schema.items as JsonSchema, v, `${path}[${i}]`);
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return checked;
  for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
    const v: unknown = (value as Record<string, unknown>)[name];
    if (child.default !== undefined) {
      assert.deepEqual(v, child.default, `${path}.${name}: withDefaults and the CRD default differ`);
      checked++;
    }
    checked += assertDefaultsMatch(child, v, `${path}.${name}`);
  }
  return checked;
}

describe('withDefaults', () => {
  test('applies every default the CRD declares, with the same values', () => {
    const spec = withDefaults({ version: '2.1.8', fe: {}, be: {}, cn: {}, broker: {} });
    const checked = assertDefaultsMatch(at('spec'), spec, 'spec');
    assert.ok(checked > 30, `only ${checked} defaults checked`);
  });

  test('images come from the version; CN runs the BE image; a mirror repository is honoured', () => {
    const spec = withDefaults({ version: '2.1.8', fe: {}, be: {}, cn: {}, broker: {} });
    assert.equal(spec.fe.image, 'apache/doris:fe-2.1.8');
    assert.equal(spec.be.image, 'apache/doris:be-2.1.8');
    assert.equal(spec.cn?.image, 'apache/doris:be-2.1.8');
    assert.equal(spec.broker?.image, 'apache/doris:broker-2.1.8');
    const mirror = withDefaults({
      version: '3.0.5',
      imageRepository: 'registry.local/doris',
      fe: {},
      be: {},
    });
    assert.equal(mirror.fe.image, 'registry.local/doris:fe-3.0.5');
    assert.equal(mirror.cn, undefined);
    const own = withDefaults({ fe: { image: 'my/fe:1' }, be: { image: 'my/be:1' } });
    assert.equal(own.fe.image, 'my/fe:1');
  });

  test('the election number defaults to 3, never more than replicas', () => {
    const cases: [replicas: number, want: number][] = [
      [1, 1],
      [2, 1],
      [3, 3],
      [4, 3],
      [9, 3],
    ];
    for (const [replicas, want] of cases) {
      assert.equal(defaultElectionNumber(replicas), want, `replicas ${replicas}`);
      assert.equal(withDefaults({ version: '2.1.8', fe: { replicas }, be: {} }).fe.electionNumber, want);
    }
    assert.equal(
      withDefaults({ version: '2.1.8', fe: { replicas: 5, electionNumber: 5 }, be: {} }).fe.electionNumber,
      5,
    );
  });

  test('does not touch its input and shares nothing between results', () => {
    const input = { version: '2.1.8', fe: {}, be: {} };
    const a = withDefaults(input);
    const b = withDefaults(input);
    assert.deepEqual(input, { version: '2.1.8', fe: {}, be: {} });
    a.be.storage.dataDirs[0]!.size = '1Ti';
    a.fe.storage.retentionPolicy.whenDeleted = 'Delete';
    assert.equal(b.be.storage.dataDirs[0]!.size, '100Gi');
    assert.equal(withDefaults(input).fe.storage.retentionPolicy.whenDeleted, 'Retain');
  });

  test('a spec the schema would refuse is reported with its field', () => {
    assert.throws(
      () => withDefaults({ fe: {}, be: {} }),
      (e: unknown) => e instanceof InvalidSpecError && e.problems[0]?.path === 'spec.fe.image',
    );
    assert.throws(
      () => withDefaults({ version: '2.1.8', fe: { replicas: -1 }, be: {} }),
      (e: unknown) => e instanceof InvalidSpecError && e.problems[0]?.path === 'spec.fe.replicas',
    );
  });
});

test('findOwnedKeys lists the owned keys present in a config', () => {
  assert.deepEqual(
    findOwnedKeys('be', { storage_root_path: '/x', max_tablet_version_num: '2000', brpc_port: '1' }).map(
      (o) => o.key,
    ),
    ['brpc_port', 'storage_root_path'],
  );
  assert.deepEqual(findOwnedKeys('fe', { qe_max_connection: '1024' }), []);
});
