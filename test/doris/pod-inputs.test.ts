/**
 * What the entrypoints read, taken from a pod through the API server: env with fieldRef and
 * secretKeyRef, `$(ENV_FE_ADDR)` in args, fe.conf/be.conf from the ConfigMap at /etc/doris, the
 * basic-auth Secret, the claim under doris-meta as storage identity, FQDN or IP, version and role.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtin, collectionPath } from '../../src/kube/resources.ts';
import { PodInputs, parseConf } from '../support/doris/kube/inputs.ts';
import { dorisContainer, type Pod } from '../support/doris/kube/pod.ts';
import { newNamespace, testEnv } from '../support/env.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function pod(
  ns: string,
  name: string,
  container: object,
  volumes: object[],
  labels: Record<string, string> = {},
): Pod {
  return {
    metadata: { name, namespace: ns, uid: `uid-${name}`, labels },
    spec: {
      containers: [container as Pod['spec']['containers'][number]],
      volumes,
      hostname: name,
      subdomain: 'doris-fe-internal',
    },
    status: { phase: 'Running', podIP: '127.99.0.7', hostIP: '127.0.0.1' },
  } as Pod;
}

test('an FE pod gives env, args, fe.conf, the basic-auth Secret, its claim and its version', async (t) => {
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'doris-inputs');
  const create = (type: typeof builtin.ConfigMap, body: object) =>
    client.request<{ metadata: { uid: string } }>({ method: 'POST', path: collectionPath(type, ns), body });
  await create(builtin.ConfigMap, {
    metadata: { name: 'fe-conf' },
    data: { 'fe.conf': '# ports\nquery_port = 9031\nhttp_port=8031\nenable_fqdn_mode = false\n' },
  });
  await create(builtin.Secret, {
    metadata: { name: 'auth' },
    data: { username: b64('op'), password: b64('s3cret') },
  });
  await create(builtin.Secret, { metadata: { name: 'env' }, data: { PASSWD: b64('from-env') } });
  const claim = await create(builtin.PersistentVolumeClaim, {
    metadata: { name: 'fe-meta-fe-4' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  const container = {
    name: 'fe',
    image: 'apache/doris:fe-3.0.3',
    command: ['/opt/apache-doris/fe_entrypoint.sh'],
    args: ['$(ENV_FE_ADDR)'],
    env: [
      { name: 'ENV_FE_ADDR', value: 'doris-fe-service' },
      { name: 'ELECT_NUMBER', value: '3' },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'PASSWD', valueFrom: { secretKeyRef: { name: 'env', key: 'PASSWD' } } },
    ],
    resources: { limits: { cpu: '1500m', memory: '8Gi' } },
    volumeMounts: [
      { name: 'conf', mountPath: '/etc/doris' },
      { name: 'auth', mountPath: '/etc/basic_auth' },
      { name: 'meta', mountPath: '/opt/apache-doris/fe/doris-meta' },
    ],
  };
  const volumes = [
    { name: 'conf', configMap: { name: 'fe-conf' } },
    { name: 'auth', secret: { secretName: 'auth' } },
    { name: 'meta', persistentVolumeClaim: { claimName: 'fe-meta-fe-4' } },
  ];
  const spec = await new PodInputs(client).specOf(pod(ns, 'doris-fe-4', container, volumes));
  assert.ok(spec);
  assert.equal(spec.kind, 'fe');
  assert.equal(spec.ordinal, 4);
  assert.equal(spec.version.full, 'doris-3.0.3');
  assert.equal(spec.version.profile, '3.0');
  assert.equal(spec.host, '127.99.0.7', 'enable_fqdn_mode = false registers the IP');
  assert.equal(spec.env.ENV_FE_ADDR, 'doris-fe-service');
  assert.equal(spec.env.POD_IP, '127.99.0.7');
  assert.equal(spec.env.PASSWD, 'from-env');
  assert.deepEqual(spec.basicAuth, { username: 'op', password: 's3cret' });
  assert.equal(spec.conf.query_port, '9031');
  assert.equal(spec.conf.http_port, '8031');
  assert.equal(spec.storageId, claim.metadata.uid);
  assert.equal(spec.cpuCores, 2);
  assert.equal(spec.memoryBytes, 8 * 1024 ** 3);

  // Without fe.conf the entrypoint forces FQDN mode; without a claim the pod's own uid is the storage.
  const bare = await new PodInputs(client).specOf(
    pod(ns, 'doris-fe-0', { ...container, volumeMounts: [] }, []),
  );
  assert.equal(bare?.host, `doris-fe-0.doris-fe-internal.${ns}.svc.cluster.local`);
  assert.equal(bare?.storageId, 'uid-doris-fe-0');
});

test('roles come from the entrypoint scripts, or from the component label on a Doris image', () => {
  const p = (command: string[], labels: Record<string, string> = {}, image = 'apache/doris:be-2.1.7') =>
    dorisContainer(pod('ns', 'x-0', { name: 'c', image, command }, [], labels))?.role;
  assert.equal(p(['/opt/apache-doris/be_entrypoint.sh']), 'be');
  assert.equal(p(['/opt/apache-doris/be_entrypoint.sh'], { 'app.kubernetes.io/component': 'cn' }), 'cn');
  assert.equal(p(['/opt/apache-doris/broker_entrypoint.sh']), 'broker');
  assert.equal(p(['/bin/doris'], { 'app.kubernetes.io/component': 'fe' }), 'fe');
  assert.equal(p(['/bin/sh'], { 'app.kubernetes.io/component': 'fe' }, 'nginx:1'), undefined);
  assert.equal(p(['/bin/sh']), undefined);
  assert.deepEqual(parseConf('a = 1\n# b = 2\n  c=x y \nd = "q"\n'), { a: '1', c: 'x y', d: 'q' });
});
