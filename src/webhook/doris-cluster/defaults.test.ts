/** The DorisCluster defaulter: derived images, pinned election number, normalisation, idempotence. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { baseCluster, createCases, merge } from '../../../test/webhook/cases.ts';
import { applyPatch, diff } from '../json-patch.ts';
import { defaultDorisCluster } from './defaults.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests walk the JSON the API server returns
type Json = Record<string, any>;
const cluster = (spec: Json): Json => ({
  apiVersion: 'doris.cloudnative.dev/v1alpha1',
  kind: 'DorisCluster',
  metadata: { name: 'c' },
  spec,
});

describe('defaulting a DorisCluster', () => {
  const cases: { name: string; spec: Json; old?: Json; want: Json }[] = [
    {
      name: 'images from the version and repository, election number from replicas',
      spec: {
        version: '2.1.8',
        imageRepository: 'mirror.local/doris',
        fe: { replicas: 1 },
        be: {},
        cn: {},
        broker: {},
      },
      want: {
        'fe.image': 'mirror.local/doris:fe-2.1.8',
        'be.image': 'mirror.local/doris:be-2.1.8',
        'cn.image': 'mirror.local/doris:be-2.1.8',
        'broker.image': 'mirror.local/doris:broker-2.1.8',
        'fe.electionNumber': 1,
      },
    },
    {
      name: 'default repository apache/doris, 3 followers for 3+ FEs',
      spec: { version: '3.0.3', fe: { replicas: 5 }, be: {} },
      want: { 'fe.image': 'apache/doris:fe-3.0.3', 'fe.electionNumber': 3 },
    },
    {
      name: 'an explicit image and election number are kept',
      spec: { version: '2.1.8', fe: { image: 'my/fe:x', replicas: 5, electionNumber: 5 }, be: {} },
      want: { 'fe.image': 'my/fe:x', 'fe.electionNumber': 5 },
    },
    {
      name: 'no version: images are left to the user',
      spec: { fe: { image: 'a/b:fe-2.1.8' }, be: { image: 'a/b:be-2.1.8' }, cn: {} },
      want: { 'cn.image': undefined },
    },
    {
      name: 'version written with a v and spaces',
      spec: { version: ' v2.1.8 ', fe: {}, be: {} },
      want: { version: '2.1.8', 'be.image': 'apache/doris:be-2.1.8' },
    },
    {
      name: 'config numbers and booleans become strings',
      spec: { version: '2.1.8', fe: { config: { qe_max_connection: 1024, enable_x: true, s: 'a' } }, be: {} },
      want: { 'fe.config': { qe_max_connection: '1024', enable_x: 'true', s: 'a' } },
    },
    {
      name: 'a derived image follows a version change',
      old: {
        version: '2.1.8',
        fe: { image: 'apache/doris:fe-2.1.8', replicas: 3 },
        be: { image: 'apache/doris:be-2.1.8' },
      },
      spec: { version: '3.0.3', fe: { image: 'apache/doris:fe-2.1.8', replicas: 3 }, be: {} },
      want: { 'fe.image': 'apache/doris:fe-3.0.3', 'be.image': 'apache/doris:be-3.0.3' },
    },
    {
      name: 'an image the user chose does not follow the version',
      old: { version: '2.1.8', fe: { image: 'my/fe:2.1.8' }, be: {} },
      spec: { version: '3.0.3', fe: { image: 'my/fe:2.1.8' }, be: {} },
      want: { 'fe.image': 'my/fe:2.1.8' },
    },
    {
      name: 'a dropped election number is taken from the stored object, not from the new replicas',
      old: { version: '2.1.8', fe: { replicas: 1 }, be: {} },
      spec: { version: '2.1.8', fe: { replicas: 3 }, be: {} },
      want: { 'fe.electionNumber': 1 },
    },
  ];
  const get = (spec: Json, path: string) => path.split('.').reduce<Json | undefined>((o, k) => o?.[k], spec);
  for (const c of cases) {
    test(c.name, () => {
      const out = defaultDorisCluster(cluster(c.spec), c.old ? cluster(c.old) : undefined) as Json;
      for (const [path, want] of Object.entries(c.want)) assert.deepEqual(get(out.spec, path), want, path);
      // The patch the webhook returns turns the request into exactly this object.
      assert.deepEqual(applyPatch(cluster(c.spec), diff(cluster(c.spec), out)), out);
    });
  }

  test('idempotent: defaulting a defaulted object yields an empty patch, with or without the stored object', () => {
    const specs = [
      ...createCases.flatMap((c) => [c.bad, c.good]).map((p) => baseCluster('c', p)),
      ...cases.map((c) => cluster(c.spec)),
    ];
    for (const obj of specs) {
      const once = defaultDorisCluster(obj);
      assert.deepEqual(diff(once, defaultDorisCluster(once)), []);
      assert.deepEqual(diff(once, defaultDorisCluster(once, once)), []);
    }
  });

  test('fields of the wrong type are left for the schema to refuse', () => {
    const odd = { spec: { version: 3, fe: 'x', be: { config: ['a'] }, cn: { replicas: 'two' } } };
    assert.deepEqual(defaultDorisCluster(odd), odd);
    assert.deepEqual(defaultDorisCluster(null), null);
    assert.deepEqual(defaultDorisCluster(merge({}, { spec: null } as Json)), { spec: null });
  });
});
