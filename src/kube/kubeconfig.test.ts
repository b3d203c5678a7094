import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { fromKubeconfigFile, fromKubeconfigText, inCluster, loadConnection } from './kubeconfig.ts';

const kubeconfig = (user: object, cluster: object = {}) =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'c',
    contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:6443/', ...cluster } }],
    users: [{ name: 'u', user }],
  });

test('kubeconfig: inline certificates and a token; the server without its trailing slash', async () => {
  const ca = Buffer.from('CA PEM').toString('base64');
  const c = await fromKubeconfigText(
    kubeconfig({ token: 'abc', 'client-certificate-data': ca }, { 'certificate-authority-data': ca }),
  );
  assert.equal(c.server, 'https://127.0.0.1:6443');
  assert.equal(String(c.options.ca), 'CA PEM');
  assert.equal(String(c.options.cert), 'CA PEM');
  assert.equal((c.options.headers as Record<string, string>).authorization, 'Bearer abc');
});

test('kubeconfig: files relative to the kubeconfig, basic auth, insecure and tls-server-name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  writeFileSync(join(dir, 'ca.crt'), 'ca from file');
  writeFileSync(
    join(dir, 'config'),
    kubeconfig(
      { username: 'admin', password: 'pw' },
      { 'certificate-authority': 'ca.crt', 'tls-server-name': 'kube', 'insecure-skip-tls-verify': true },
    ),
  );
  const c = await fromKubeconfigFile(join(dir, 'config'));
  assert.equal(String(c.options.ca), 'ca from file');
  assert.equal(c.options.servername, 'kube');
  assert.equal(c.options.rejectUnauthorized, false);
  assert.equal(
    (c.options.headers as Record<string, string>).authorization,
    `Basic ${Buffer.from('admin:pw').toString('base64')}`,
  );
});

test('kubeconfig: a token file is read per request (rotated tokens), $KUBECONFIG before in-cluster', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  writeFileSync(join(dir, 'token'), 'first\n');
  writeFileSync(join(dir, 'config'), kubeconfig({ tokenFile: join(dir, 'token') }));
  const c = await loadConnection(undefined, {
    KUBECONFIG: join(dir, 'config'),
    KUBERNETES_SERVICE_HOST: 'x',
  });
  assert.equal(c.authorization?.(), 'Bearer first');
});

test('in-cluster: the service account CA and token, an IPv6 host in brackets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sa-'));
  writeFileSync(join(dir, 'ca.crt'), 'sa ca');
  writeFileSync(join(dir, 'token'), 'sa-token');
  const c = inCluster({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir);
  assert.equal(c.server, 'https://[fd00::1]:443');
  assert.equal(String(c.options.ca), 'sa ca');
  assert.equal(c.authorization?.(), 'Bearer sa-token');
});

test('kubeconfig: an exec plugin runs through @kubernetes/client-node, loaded only then', async () => {
  const credential = JSON.stringify({
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    status: { token: 'from-exec' },
  });
  const c = await fromKubeconfigText(
    kubeconfig({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: process.execPath,
        args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`],
        interactiveMode: 'Never',
      },
    }),
  );
  assert.equal(
    (c.options.headers as Record<string, string>).Authorization ??
      (c.options.headers as Record<string, string>).authorization,
    'Bearer from-exec',
  );
});

test('kubeconfig: a missing context is named', async () => {
  await assert.rejects(
    fromKubeconfigText(stringify({ 'current-context': 'nope', contexts: [] })),
    /no context named "nope"/,
  );
});
