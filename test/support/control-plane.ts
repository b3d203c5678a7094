/**
 * An isolated Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler and kwok (fake nodes whose pods get loopback IPs), plus a volume provisioner.
 * Everything lives in one temporary directory; `stop()` ends every process it started.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { isConflict, RestClient } from '../../src/kube/rest.ts';
import { createCA, createServingCert } from '../../src/tls/certs.ts';
import { freePorts } from './ports.ts';
import { Component } from './process.ts';
import { PROVISIONER_NAME, VolumeProvisioner } from './volume-provisioner.ts';

export interface ControlPlaneOptions {
  /** Folder holding the binaries; built by `hack/testbin.sh` when not given. */
  readonly binDir?: string;
  /** Number of fake nodes. @default 4 */
  readonly nodes?: number;
  /** Zones the nodes are spread over, round-robin. @default ['zone-a', 'zone-b', 'zone-c'] */
  readonly zones?: readonly string[];
  /** Keep the temporary folder after stop (for debugging). @default false */
  readonly keepDir?: boolean;
  /** Extra kube-apiserver flags, e.g. `--watch-cache=false`. */
  readonly apiServerArgs?: readonly string[];
}

/** Where a running control plane can be reached; serialisable, so test processes can share one. */
export interface ControlPlaneInfo {
  readonly dir: string;
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly token: string;
  readonly caPem: string;
  readonly etcdUrl: string;
  /** Pod IPs come from `${podNetwork}.0.0/16`, node i from `${podNetwork}.i.0/24`. */
  readonly podNetwork: string;
  readonly nodeNames: readonly string[];
  readonly logs: Readonly<Record<string, string>>;
}

const repoRoot = resolve(import.meta.dirname, '../..');

/** Builds (or finds cached) control plane binaries and returns their folder. */
export function ensureBinaries(): string {
  const out = execFileSync('bash', [join(repoRoot, 'hack/testbin.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.toString().trim().split('\n').pop() ?? '';
}

export class ControlPlane {
  readonly info: ControlPlaneInfo;
  private readonly components: Record<
    'etcd' | 'apiserver' | 'controllerManager' | 'scheduler' | 'kwok',
    Component
  >;
  private readonly provisioner: VolumeProvisioner;
  private readonly keepDir: boolean;
  private readonly admin: RestClient;

  private constructor(
    info: ControlPlaneInfo,
    admin: RestClient,
    components: ControlPlane['components'],
    provisioner: VolumeProvisioner,
    keepDir: boolean,
  ) {
    this.info = info;
    this.admin = admin;
    this.components = components;
    this.provisioner = provisioner;
    this.keepDir = keepDir;
  }

  static async start(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const binDir = opts.binDir ?? ensureBinaries();
    const dir = mkdtempSync(join(tmpdir(), 'doris-cp-'));
    const [etcdPort, etcdPeerPort, apiPort] = (await freePorts(3)) as [number, number, number];
    const server = `https://127.0.0.1:${apiPort}`;
    const token = randomBytes(24).toString('hex');
    // A random /16 inside 127.16.0.0-127.250.255.255, so two runs on one machine rarely share pod IPs.
    const podNetwork = `127.${randomInt(16, 251)}`;

    const ca = await createCA({ commonName: 'doris-test-ca' });
    const serving = await createServingCert(ca, {
      commonName: 'kube-apiserver',
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
      ipAddresses: ['127.0.0.1', '10.0.0.1'],
    });
    const sa = generateKeyPairSync('ec', {
      namedCurve: 'prime256v1',
      privateKeyEncoding: { type: 'sec1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const file = (name: string, content: string): string => {
      const path = join(dir, name);
      writeFileSync(path, content, { mode: 0o600 });
      return path;
    };
    const caFile = file('ca.crt', ca.certPem);
    const certFile = file('apiserver.crt', serving.certPem);
    const keyFile = file('apiserver.key', serving.keyPem);
    const saKey = file('sa.key', sa.privateKey);
    const saPub = file('sa.pub', sa.publicKey);
    const tokens = file('tokens.csv', `${token},admin,admin,"system:masters"\n`);
    const kubeconfigPath = file('kubeconfig', kubeconfigYaml(server, ca.certPem, token));
    mkdirSync(join(dir, 'logs'));
    const log = (name: string) => join(dir, 'logs', `${name}.log`);
    const bin = (name: string) => join(binDir, name);

    const components = {
      etcd: new Component({
        name: 'etcd',
        binary: bin('etcd'),
        logPath: log('etcd'),
        args: [
          '--name=etcd',
          `--data-dir=${join(dir, 'etcd')}`,
          `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
          `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
          `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
          `--initial-cluster=etcd=http://127.0.0.1:${etcdPeerPort}`,
          '--unsafe-no-fsync=true',
          '--log-level=warn',
        ],
      }),
      apiserver: new Component({
        name: 'kube-apiserver',
        binary: bin('kube-apiserver'),
        logPath: log('kube-apiserver'),
        args: [
          `--etcd-servers=http://127.0.0.1:${etcdPort}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          `--cert-dir=${join(dir, 'apiserver-certs')}`,
          `--tls-cert-file=${certFile}`,
          `--tls-private-key-file=${keyFile}`,
          `--client-ca-file=${caFile}`,
          `--token-auth-file=${tokens}`,
          '--authorization-mode=RBAC',
          '--service-account-issuer=https://kubernetes.default.svc',
          `--service-account-key-file=${saPub}`,
          `--service-account-signing-key-file=${saKey}`,
          '--service-cluster-ip-range=10.0.0.0/24',
          '--allow-privileged=true',
          // Endpoints may not hold loopback addresses; the test API server advertises 127.0.0.1.
          '--endpoint-reconciler-type=none',
          '--enable-priority-and-fairness=false',
          '--profiling=false',
          '--v=1',
          ...(opts.apiServerArgs ?? []),
        ],
      }),
      controllerManager: new Component({
        name: 'kube-controller-manager',
        binary: bin('kube-controller-manager'),
        logPath: log('kube-controller-manager'),
        args: [
          `--kubeconfig=${kubeconfigPath}`,
          '--leader-elect=false',
          '--secure-port=0',
          '--controllers=*',
          `--root-ca-file=${caFile}`,
          `--service-account-private-key-file=${saKey}`,
          '--use-service-account-credentials=false',
          '--concurrent-statefulset-syncs=10',
          '--v=1',
        ],
      }),
      scheduler: new Component({
        name: 'kube-scheduler',
        binary: bin('kube-scheduler'),
        logPath: log('kube-scheduler'),
        args: [`--kubeconfig=${kubeconfigPath}`, '--leader-elect=false', '--secure-port=0', '--v=1'],
      }),
      kwok: new Component({
        name: 'kwok',
        binary: bin('kwok'),
        logPath: log('kwok'),
        args: [
          `--kubeconfig=${kubeconfigPath}`,
          '--manage-all-nodes=true',
          `--cidr=${podNetwork}.255.0/24`,
          '--node-ip=127.0.0.1',
          '--node-lease-duration-seconds=40',
          // A node or pod a test marks with it is left alone (a failed node: no kubelet answers).
          `--disregard-status-with-annotation-selector=${unmanagedAnnotation}=true`,
        ],
      }),
    };
    const nodeNames = Array.from({ length: opts.nodes ?? 4 }, (_, i) => `kwok-node-${i}`);
    const info: ControlPlaneInfo = {
      dir,
      server,
      kubeconfigPath,
      token,
      caPem: ca.certPem,
      etcdUrl: `http://127.0.0.1:${etcdPort}`,
      podNetwork,
      nodeNames,
      logs: Object.fromEntries(Object.values(components).map((c) => [c.spec.name, c.spec.logPath])),
    };
    const provisioner = new VolumeProvisioner(join(dir, 'volumes'));
    const admin = await RestClient.fromKubeconfigFile(kubeconfigPath);
    const cp = new ControlPlane(info, admin, components, provisioner, opts.keepDir ?? false);
    try {
      components.etcd.start();
      await waitFor('etcd', () => httpOk(`http://127.0.0.1:${etcdPort}/health`), 20_000, cp);
      components.apiserver.start();
      await cp.waitApiServerReady();
      components.controllerManager.start();
      components.scheduler.start();
      components.kwok.start();
      const client = cp.client();
      await cp.createNodes(client, opts.zones ?? ['zone-a', 'zone-b', 'zone-c']);
      await createStorageClasses(client);
      provisioner.start(client);
      // The service-account controller creating `default` shows the controller manager is working.
      await waitFor(
        'kube-controller-manager',
        () => exists(client, objectPath(builtin.ServiceAccount, 'default', 'default')),
        30_000,
        cp,
      );
      return cp;
    } catch (err) {
      await cp.stop();
      throw err;
    }
  }

  /** An admin client; the control plane closes it on stop. */
  client(): RestClient {
    return this.admin;
  }

  /**
   * Freezes (SIGSTOP) or thaws (SIGCONT) the controller manager: no pod is recreated meanwhile, as
   * during a controller-manager restart or leader change.
   */
  freezeControllerManager(frozen: boolean): void {
    this.components.controllerManager.freeze(frozen);
  }

  /** Stops the API server and starts it again on the same port and etcd data. */
  async restartApiServer(downMs = 0): Promise<void> {
    await this.components.apiserver.stop();
    if (downMs > 0) await sleep(downMs);
    this.components.apiserver.start();
    await this.waitApiServerReady();
  }

  /** Compacts etcd's history up to now: watches from older resourceVersions then get 410 Gone. */
  async compactEtcd(): Promise<number> {
    const post = async (path: string, body: object) => {
      const res = await fetch(`${this.info.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { header: { revision: string } };
    };
    const { header } = await post('/v3/kv/range', { key: Buffer.from('/').toString('base64') });
    await post('/v3/kv/compaction', { revision: header.revision, physical: true });
    return Number(header.revision);
  }

  /** A token for a ServiceAccount, so a test can act as it. */
  tokenFor(namespace: string, serviceAccount: string, expirationSeconds = 3600): Promise<string> {
    return serviceAccountToken(this.client(), namespace, serviceAccount, expirationSeconds);
  }

  /** Stops every component (reverse order) and removes the folder unless asked to keep it. */
  async stop(keepDir = this.keepDir): Promise<void> {
    this.provisioner.stop();
    this.admin.close();
    const { kwok, scheduler, controllerManager, apiserver, etcd } = this.components;
    await Promise.all([kwok.stop(), scheduler.stop(), controllerManager.stop()]);
    await apiserver.stop();
    await etcd.stop();
    if (!keepDir) rmSync(this.info.dir, { recursive: true, force: true });
  }

  /** Prints where each component's log is; called when something fails. */
  describeLogs(): string {
    return Object.entries(this.info.logs)
      .map(([name, path]) => `  ${name}: ${path}`)
      .join('\n');
  }

  private async waitApiServerReady(): Promise<void> {
    const client = this.client();
    await waitFor(
      'kube-apiserver',
      async () => {
        try {
          return (await client.request<string>({ method: 'GET', path: '/readyz', timeoutMs: 2000 })) === 'ok';
        } catch {
          return false;
        }
      },
      60_000,
      this,
    );
  }

  private async createNodes(client: RestClient, zones: readonly string[]): Promise<void> {
    await Promise.all(
      this.info.nodeNames.map((name, i) =>
        client
          .request({
            method: 'POST',
            path: collectionPath(builtin.Node),
            body: nodeManifest(
              name,
              zones[i % zones.length] ?? 'zone-a',
              `${this.info.podNetwork}.${i}.0/24`,
            ),
          })
          .catch((err) => {
            if (!isConflict(err)) throw err;
          }),
      ),
    );
  }
}

/** Issues a token for a ServiceAccount through the TokenRequest API. */
export async function serviceAccountToken(
  client: RestClient,
  namespace: string,
  serviceAccount: string,
  expirationSeconds = 3600,
): Promise<string> {
  const res = await client.request<{ status: { token: string } }>({
    method: 'POST',
    path: objectPath(builtin.ServiceAccount, namespace, serviceAccount, 'token'),
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } },
  });
  return res.status.token;
}

/** A kubeconfig for the control plane at `server` that authenticates with `token`. */
export function kubeconfigYaml(server: string, caPem: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: doris-test',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${ca}`,
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: doris-test',
    '  context:',
    '    cluster: doris-test',
    '    user: admin',
    'current-context: doris-test',
    '',
  ].join('\n');
}

/** Nodes and pods annotated `<this>=true` are no longer run by kwok: their status stays as set. */
export const unmanagedAnnotation = 'doris-test/unmanaged';

export function nodeManifest(name: string, zone: string, podCIDR: string): object {
  const capacity = { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/zone': zone,
        'topology.kubernetes.io/region': 'local',
        type: 'kwok',
      },
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { podCIDR, podCIDRs: [podCIDR] },
    status: { capacity, allocatable: capacity, phase: 'Running' },
  };
}

async function createStorageClasses(client: RestClient): Promise<void> {
  const classes = [
    // The default class allows expansion, as most cloud classes do.
    { name: 'standard', expand: true, isDefault: true },
    { name: 'fixed', expand: false, isDefault: false },
  ];
  for (const c of classes) {
    await client
      .request({
        method: 'POST',
        path: collectionPath(builtin.StorageClass),
        body: {
          apiVersion: 'storage.k8s.io/v1',
          kind: 'StorageClass',
          metadata: {
            name: c.name,
            annotations: c.isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {},
          },
          provisioner: PROVISIONER_NAME,
          reclaimPolicy: 'Delete',
          volumeBindingMode: 'Immediate',
          allowVolumeExpansion: c.expand,
        },
      })
      .catch((err) => {
        if (!isConflict(err)) throw err;
      });
  }
}

async function exists(client: RestClient, path: string): Promise<boolean> {
  try {
    await client.request({ method: 'GET', path, timeoutMs: 2000 });
    return true;
  } catch {
    return false;
  }
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, cp: ControlPlane) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`${what} was not ready after ${timeoutMs} ms; logs:\n${cp.describeLogs()}`);
}
