/**
 * The simulator's start scripts refuse what the images' start_fe.sh / start_be.sh refuse, with
 * their messages, per release line; the host is the node's kernel as the init containers left it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hosts, hostAnnotations } from '../support/doris/kube/host.ts';
import type { Container, Pod } from '../support/doris/kube/pod.ts';
import { serviceOf } from '../support/doris/kube/services.ts';
import { beStartRefusal, feStartRefusal, imageConf } from '../support/doris/start-scripts.ts';
import { versionOf } from '../support/doris/version.ts';

const fe = (v: string, conf: Record<string, string>, env: Record<string, string> = {}) =>
  feStartRefusal({ version: versionOf(v), conf, env });

test('start_fe.sh: a conf file without the JDK 17 options stops 2.1 and 3.0 FEs; 2.0 (JDK 8) starts', () => {
  for (const v of ['2.1.7', '2.1.8', '3.0.3']) {
    assert.equal(fe(v, { http_port: '8030' }), 'JAVA_OPTS_FOR_JDK_17 is not set in fe.conf', v);
    assert.equal(fe(v, imageConf('fe', versionOf(v))), undefined, `${v} with the image's own file`);
  }
  assert.equal(fe('2.0.15', { http_port: '8030' }), undefined);
  assert.equal(fe('2.1.8', { JAVA_OPTS_FOR_JDK_17: '-Xmx4g' }), undefined);
});

/** `${NAME}`, as a conf file writes a variable. */
const dollar = (name: string) => `\${${name}}`;

test('start_fe.sh and ConfigBase: proxy variables and an unresolved variable stop the FE', () => {
  const ok = imageConf('fe', versionOf('3.0.3'));
  assert.match(
    fe('3.0.3', ok, { HTTPS_PROXY: 'http://p:3128' }) ?? '',
    /need unset it using 'unset HTTPS_PROXY'/,
  );
  assert.equal(
    fe('3.0.3', { ...ok, audit_log_dir: `${dollar('NOPE')}/audit` }),
    'no such env variable: NOPE',
  );
  assert.equal(fe('3.0.3', { ...ok, audit_log_dir: `${dollar('DORIS_HOME')}/audit` }), undefined);
});

const stock = { maxMapCount: 65530, swapOn: false, openFiles: 1024 };
const prepared = { maxMapCount: 2_000_000, swapOn: false, openFiles: 524288 };
const be = (
  v: string,
  host: typeof stock,
  env: Record<string, string> = {},
  conf: Record<string, string> = {},
) => beStartRefusal({ version: versionOf(v), conf, env }, host);

test('start_be.sh: vm.max_map_count, swap and open files per line, each with its own message', () => {
  assert.match(be('2.0.15', stock) ?? '', /^Please set vm.max_map_count to be 2000000/);
  assert.match(be('2.1.7', stock) ?? '', /^Please set vm.max_map_count to be 2000000/);
  assert.match(be('3.0.3', stock) ?? '', /^Set kernel parameter 'vm.max_map_count'/);
  assert.equal(be('2.1.7', { ...prepared, swapOn: true }), 'Please disable swap memory before installation.');
  assert.equal(be('3.0.3', { ...prepared, swapOn: true }), 'Disable swap memory before starting be');
  assert.match(be('2.0.15', { ...prepared, openFiles: 1024 }) ?? '', /larger than 60000/);
  assert.match(be('3.0.3', { ...prepared, openFiles: 1024 }) ?? '', /greater than 60000/);
  for (const v of ['2.0.15', '2.1.7', '3.0.3']) assert.equal(be(v, prepared), undefined, v);
});

test('SKIP_CHECK_ULIMIT: from 2.1.8 in the environment only, from 3.0.4 in the environment or be.conf, never on 2.0', () => {
  const skip = { SKIP_CHECK_ULIMIT: 'true' };
  assert.notEqual(be('2.0.15', stock, skip), undefined);
  assert.notEqual(be('2.1.7', stock, skip), undefined);
  assert.equal(be('2.1.8', stock, skip), undefined);
  assert.notEqual(be('2.1.8', stock, {}, skip), undefined, 'be.conf is read after the checks on 2.1');
  assert.notEqual(be('3.0.3', stock, skip), undefined);
  assert.equal(be('3.0.4', stock, skip), undefined);
  assert.equal(be('3.0.4', stock, {}, skip), undefined, 'be.conf is read before the checks on 3.0');
});

const pod = (initContainers: Container[], nodeName = 'n1'): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u' },
  spec: { containers: [{ name: 'be' }], initContainers, nodeName },
});
const raise = (privileged: boolean): Container => ({
  name: 'prepare-host',
  command: [
    '/bin/sh',
    '-c',
    'if [ "$(cat /proc/sys/vm/max_map_count)" -lt 2000000 ]; then echo 2000000 > /proc/sys/vm/max_map_count; fi',
  ],
  securityContext: { privileged },
});

test('the node kernel: a privileged init container raises vm.max_map_count for later pods too; an unprivileged one fails', () => {
  const hosts = new Hosts();
  const main: Container = { name: 'be' };
  const first = hosts.prepare(pod([]), main, undefined);
  assert.deepEqual(first.ok && first.host, { maxMapCount: 65530, swapOn: false, openFiles: 1024 });
  const denied = hosts.prepare(pod([raise(false)]), main, undefined);
  assert.ok(!denied.ok && /permission denied/.test(denied.error));
  const raised = hosts.prepare(pod([raise(true)]), main, undefined);
  assert.equal(raised.ok && raised.host.maxMapCount, 2_000_000);
  const later = hosts.prepare(pod([]), main, undefined);
  assert.equal(later.ok && later.host.maxMapCount, 2_000_000, 'the node keeps it');
  const big = hosts.prepare(pod([raise(true)], 'n2'), main, {
    annotations: { [hostAnnotations.maxMapCount]: '4000000', [hostAnnotations.swap]: 'on' },
  });
  assert.deepEqual(
    big.ok && big.host,
    { maxMapCount: 4_000_000, swapOn: true, openFiles: 1024 },
    'never lowered',
  );
  const wrapped: Container = {
    name: 'be',
    command: ['/bin/bash', '-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec x.sh'],
  };
  const files = hosts.prepare(pod([]), wrapped, undefined);
  assert.equal(files.ok && files.host.openFiles, 524288, 'raised to the hard limit');
});

test('cluster DNS answers Service names only under the cluster domain', () => {
  assert.deepEqual(serviceOf('doris-fe', 'a', 'example.local'), { svc: 'doris-fe', ns: 'a' });
  assert.deepEqual(serviceOf('doris-fe.b', 'a', 'example.local'), { svc: 'doris-fe', ns: 'b' });
  assert.deepEqual(serviceOf('doris-fe.b.svc', 'a', 'example.local'), { svc: 'doris-fe', ns: 'b' });
  assert.deepEqual(serviceOf('doris-fe.b.svc.example.local', 'a', 'example.local'), {
    svc: 'doris-fe',
    ns: 'b',
  });
  assert.equal(serviceOf('doris-fe.b.svc.cluster.local', 'a', 'example.local'), undefined);
  assert.equal(serviceOf('doris-fe.b.pod.example.local', 'a', 'example.local'), undefined);
});
