/**
 * What the official entrypoints read, taken from a pod through the API: env and args (with
 * fieldRef, secretKeyRef, configMapKeyRef and `$(VAR)` expansion), the fe.conf/be.conf of the
 * ConfigMap mounted at /etc/doris, the basic-auth Secret at /etc/basic_auth, the claim under the
 * meta or storage directory (its uid is the member's storage identity), hostname and subdomain for
 * the FQDN, and the version from the image tag.
 */
import { parseQuantity } from '../../../../src/kube/quantity.ts';
import { builtin, objectPath } from '../../../../src/kube/resources.ts';
import type { RestClient } from '../../../../src/kube/rest.ts';
import type { MemberSpec } from '../member.ts';
import { imageConf } from '../start-scripts.ts';
import { versionFromImage } from '../version.ts';
import { Hosts } from './host.ts';
import { type Container, dorisContainer, type Pod } from './pod.ts';

interface DataObject {
  data?: Record<string, string>;
  metadata?: { uid?: string; annotations?: Record<string, string> };
}

/** `key = value` lines of a Doris conf file; comments and blank lines skipped. */
export function parseConf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq < 0) continue;
    out[trimmed.slice(0, eq).trim()] = trimmed
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return out;
}

/** The startup probe's budget, as the kubelet counts it (Kubernetes' defaults: period 10 s, 3 failures). */
function startupBudget(c: Container): { startupBudgetMs?: number } {
  const p = c.startupProbe;
  if (p === undefined) return {};
  return {
    startupBudgetMs:
      ((p.initialDelaySeconds ?? 0) + (p.periodSeconds ?? 10) * (p.failureThreshold ?? 3)) * 1000,
  };
}

const expand = (text: string, env: Readonly<Record<string, string>>): string =>
  text.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => env[name] ?? m);

export class PodInputs {
  private readonly client: RestClient;
  private readonly clusterDomain: string;
  private readonly hosts = new Hosts();

  /** @param clusterDomain the kubelet's cluster domain, which `hostname -f` ends with. */
  constructor(client: RestClient, clusterDomain = 'cluster.local') {
    this.client = client;
    this.clusterDomain = clusterDomain;
  }

  /** The member spec of a Running Doris pod; undefined for other pods. */
  async specOf(pod: Pod): Promise<MemberSpec | undefined> {
    const found = dorisContainer(pod);
    const ip = pod.status?.podIP;
    if (found === undefined || ip === undefined) return undefined;
    const { container, role } = found;
    const ns = pod.metadata.namespace;
    const env = await this.env(pod, container);
    const args = (container.args ?? []).map((a) => expand(a, env));
    const feAddr = args.find((a) => !a.startsWith('-') && !a.endsWith('.sh'));
    // The entrypoints take the FE address as their first argument (`args: $(ENV_FE_ADDR)`).
    if (feAddr !== undefined) env.ENV_FE_ADDR = feAddr;

    const kind = role === 'fe' ? 'fe' : role === 'broker' ? 'broker' : 'be';
    const version = versionFromImage(container.image ?? '');
    const confDir = env.CONFIGMAP_MOUNT_PATH ?? '/etc/doris';
    const fileName = kind === 'fe' ? 'fe.conf' : kind === 'be' ? 'be.conf' : 'apache_hdfs_broker.conf';
    const confText = await this.mountedFile(pod, container, confDir, fileName, 'configmap');
    // The entrypoint links the mounted file over the image's own (`ln -sfT`): with none mounted the
    // image's conf file applies, with one mounted only what it holds.
    const conf = confText === undefined ? imageConf(kind, version) : parseConf(confText);
    if (role === 'cn' && conf.be_node_role === undefined) conf.be_node_role = 'computation';

    const user = await this.mountedFile(pod, container, '/etc/basic_auth', 'username', 'secret');
    const password = await this.mountedFile(pod, container, '/etc/basic_auth', 'password', 'secret');

    const hostname = pod.spec.hostname ?? pod.metadata.name;
    // `hostname -f`, from the /etc/hosts the kubelet writes with its cluster domain; fe_entrypoint.sh
    // takes POD_FQDN instead when the pod sets it.
    const fqdn =
      (role === 'fe' ? env.POD_FQDN : undefined) ??
      (pod.spec.subdomain === undefined
        ? hostname
        : `${hostname}.${pod.spec.subdomain}.${ns}.svc.${this.clusterDomain}`);
    // fe_entrypoint.sh appends enable_fqdn_mode=true when fe.conf lacks it; the BE follows HOST_TYPE.
    const useFqdn = kind === 'fe' ? (conf.enable_fqdn_mode ?? 'true') === 'true' : env.HOST_TYPE !== 'IP';

    const dataDir =
      kind === 'fe'
        ? (conf.meta_dir ?? '/opt/apache-doris/fe/doris-meta')
        : (conf.storage_root_path?.split(';')[0]?.split(',')[0] ?? '/opt/apache-doris/be/storage');
    const limits = { ...container.resources?.requests, ...container.resources?.limits };
    const node = pod.spec.nodeName === undefined ? undefined : await this.get('Node', '', pod.spec.nodeName);
    const prepared = this.hosts.prepare(pod, container, node?.metadata);
    return {
      key: `${ns}/${pod.metadata.name}`,
      namespace: ns,
      name: pod.metadata.name,
      kind,
      ip,
      host: useFqdn ? fqdn : ip,
      ordinal: Number(/-(\d+)$/.exec(hostname)?.[1] ?? 0),
      version,
      conf,
      env,
      ...(user !== undefined && password !== undefined ? { basicAuth: { username: user, password } } : {}),
      storageId: (await this.claimUid(pod, container, dataDir)) ?? pod.metadata.uid,
      labels: pod.metadata.labels ?? {},
      annotations: pod.metadata.annotations ?? {},
      cpuCores: Math.max(1, Math.ceil(parseQuantity(limits.cpu ?? '4') ?? 4)),
      memoryBytes: parseQuantity(limits.memory ?? '16Gi') ?? 16 * 1024 ** 3,
      ...(prepared.ok ? { hostView: prepared.host } : { initError: prepared.error }),
      ...startupBudget(container),
    };
  }

  private async env(pod: Pod, container: Container): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    for (const from of container.envFrom ?? []) {
      const obj = from.configMapRef
        ? await this.get('ConfigMap', pod.metadata.namespace, from.configMapRef.name)
        : from.secretRef
          ? await this.get('Secret', pod.metadata.namespace, from.secretRef.name)
          : undefined;
      for (const [k, v] of Object.entries(obj?.data ?? {})) {
        env[`${from.prefix ?? ''}${k}`] = from.secretRef ? Buffer.from(v, 'base64').toString('utf8') : v;
      }
    }
    for (const e of container.env ?? []) {
      const value = await this.envValue(pod, e);
      if (value !== undefined) env[e.name] = value;
    }
    return env;
  }

  private async envValue(pod: Pod, e: NonNullable<Container['env']>[number]): Promise<string | undefined> {
    if (e.value !== undefined) return e.value;
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (field !== undefined) {
      const fields: Record<string, string | undefined> = {
        'metadata.name': pod.metadata.name,
        'metadata.namespace': pod.metadata.namespace,
        'metadata.uid': pod.metadata.uid,
        'status.podIP': pod.status?.podIP,
        'status.hostIP': pod.status?.hostIP,
        'spec.nodeName': pod.spec.nodeName,
      };
      return fields[field];
    }
    const secret = e.valueFrom?.secretKeyRef;
    if (secret !== undefined) {
      const v = (await this.get('Secret', pod.metadata.namespace, secret.name))?.data?.[secret.key];
      return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
    }
    const cm = e.valueFrom?.configMapKeyRef;
    if (cm !== undefined)
      return (await this.get('ConfigMap', pod.metadata.namespace, cm.name))?.data?.[cm.key];
    return undefined;
  }

  /** A file of the ConfigMap or Secret volume mounted at `dir`. */
  private async mountedFile(
    pod: Pod,
    container: Container,
    dir: string,
    file: string,
    type: 'configmap' | 'secret',
  ): Promise<string | undefined> {
    const mount = container.volumeMounts?.find((m) => m.mountPath.replace(/\/$/, '') === dir);
    const volume = pod.spec.volumes?.find((v) => v.name === mount?.name);
    if (type === 'configmap' && volume?.configMap !== undefined) {
      return (await this.get('ConfigMap', pod.metadata.namespace, volume.configMap.name))?.data?.[file];
    }
    if (type === 'secret' && volume?.secret !== undefined) {
      const v = (await this.get('Secret', pod.metadata.namespace, volume.secret.secretName))?.data?.[file];
      return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
    }
    return undefined;
  }

  /** The uid of the claim mounted at the data directory (or of the pod's only claim). */
  private async claimUid(pod: Pod, container: Container, dir: string): Promise<string | undefined> {
    const mount = container.volumeMounts?.find(
      (m) => m.mountPath.replace(/\/$/, '') === dir.replace(/\/$/, ''),
    );
    const claims = (pod.spec.volumes ?? []).filter((v) => v.persistentVolumeClaim !== undefined);
    const volume =
      claims.find((v) => v.name === mount?.name) ?? (claims.length === 1 ? claims[0] : undefined);
    const claim = volume?.persistentVolumeClaim?.claimName;
    if (claim === undefined) return undefined;
    return (await this.get('PersistentVolumeClaim', pod.metadata.namespace, claim))?.metadata?.uid;
  }

  private async get(
    kind: 'ConfigMap' | 'Secret' | 'PersistentVolumeClaim' | 'Node',
    ns: string,
    name: string,
  ): Promise<DataObject | undefined> {
    try {
      return await this.client.request<DataObject>({
        method: 'GET',
        path: objectPath(builtin[kind], kind === 'Node' ? undefined : ns, name),
      });
    } catch {
      return undefined;
    }
  }
}
