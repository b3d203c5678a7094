/**
 * Configuration rules the CRD cannot state: a value with a line break would write extra lines
 * into fe.conf/be.conf (and slip an owned key such as query_port past the schema's key rules);
 * secrets do not belong in config, which the operator delivers as a ConfigMap (S7); the
 * storage-compute decoupled ("cloud") mode needs a meta service this kind does not run; and a JVM
 * heap or BE memory limit must fit the container's memory limit, or the member is OOM-killed (the
 * FE heap the operator derives, 75% of the container's memory, always fits).
 */
import type { Component } from '../../api/v1alpha1/owned-config.ts';
import { configFileName } from '../../api/v1alpha1/owned-config.ts';
import { feHeapMiB } from '../../cluster/image-conf.ts';
import { parseQuantity } from '../../kube/quantity.ts';
import { at, type Collector } from '../problem.ts';
import { type ComponentSpec, label, presentComponents, type Spec } from './spec.ts';

/** Keys of the decoupled mode, which needs a meta service and object storage this kind does not manage. */
const cloudKeys = ['deploy_mode', 'meta_service_endpoint', 'cloud_unique_id'];
/** JVM options of the FE and the broker; the FE reads the JDK 17 one on 2.1 and later. */
const jvmKeys = ['JAVA_OPTS', 'JAVA_OPTS_FOR_JDK_17', 'JAVA_OPTS_FOR_JDK_9'];
const GiB = 2 ** 30;
/** Below this the FE's derived heap is too small for any real metadata. */
const FE_MIN_HEAP = 2 * GiB;

const units: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** The `-Xmx` of JVM options in bytes (`-Xmx8g`, `-Xmx8192m`), if set. */
export function heapOf(options: string): number | undefined {
  const m = /(?:^|\s)-Xmx(\d+)([kKmMgGtT]?)(?=\s|$)/.exec(options);
  return m ? Number(m[1]) * (units[(m[2] ?? '').toLowerCase()] ?? 1) : undefined;
}

/** be.conf `mem_limit` in bytes when absolute (`8G`, `8192M`, `8GB`); undefined for percentages. */
export function memLimitOf(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)[bB]?\s*$/.exec(value);
  return m ? Number(m[1]) * (units[(m[2] ?? '').toLowerCase()] ?? 1) : undefined;
}

const gib = (bytes: number) => `${Math.round((bytes / GiB) * 10) / 10} GiB`;

function memoryLimit(s: ComponentSpec): { bytes: number; text: string } | undefined {
  const text = s.resources?.limits?.memory;
  const bytes = text === undefined ? undefined : parseQuantity(text);
  return bytes === undefined ? undefined : { bytes, text: String(text) };
}

function checkMemory(c: Component, s: ComponentSpec, config: Record<string, string>, out: Collector): void {
  const limit = memoryLimit(s);
  const limitPath = `spec.${c}.resources.limits.memory`;
  if (c === 'fe' || c === 'broker') {
    const set = jvmKeys.filter((k) => config[k] !== undefined && heapOf(config[k]!) !== undefined);
    for (const key of set) {
      const heap = heapOf(config[key]!)!;
      if (limit !== undefined && heap >= limit.bytes * 0.9) {
        out.problem(
          at(`spec.${c}.config`, key),
          config[key],
          `the heap (-Xmx, ${gib(heap)}) leaves no room below ${limitPath} (${limit.text}): the JVM needs memory ` +
            `beyond its heap and the ${label(c)} would be OOM-killed; use at most 75% of the limit ` +
            `(-Xmx${Math.floor((limit.bytes * 0.75) / 2 ** 20)}m)`,
        );
      }
    }
    if (c === 'fe' && set.length === 0) {
      // The operator sizes the FE heap to 75% of the container's memory (image-conf.ts).
      const heap = feHeapMiB(s.resources) * 2 ** 20;
      // Without limit or request the heap is the image's 8 GiB (the missing limit is warned about apart).
      const sized = limit !== undefined || s.resources?.requests?.memory !== undefined;
      if (sized && heap < FE_MIN_HEAP) {
        out.warn(
          limit === undefined ? 'spec.fe.resources.requests.memory' : limitPath,
          `the FE heap would be ${gib(heap)} (75% of the container's memory): too small for an FE once its ` +
            'metadata grows; give the FE at least 3Gi',
        );
      }
    }
    return;
  }
  const mem = config.mem_limit;
  const bytes = mem === undefined ? undefined : memLimitOf(mem);
  if (limit !== undefined && bytes !== undefined && bytes > limit.bytes) {
    out.problem(
      at(`spec.${c}.config`, 'mem_limit'),
      mem,
      `${mem} is above ${limitPath} (${limit.text}): the ${label(c)} would be OOM-killed before reaching it; ` +
        `use a percentage such as 80% or at most ${gib(limit.bytes * 0.9)}`,
    );
  }
}

export function checkConfig(spec: Spec, out: Collector): void {
  for (const [c, s] of presentComponents(spec)) {
    const config = s.config ?? {};
    const file = configFileName[c];
    for (const [key, value] of Object.entries(config)) {
      const path = at(`spec.${c}.config`, key);
      if (/[\r\n]/.test(value)) {
        out.problem(
          path,
          value,
          `the value has a line break: each key is one line of ${file}, so the rest would be read as keys of ` +
            'its own; write the value on one line',
        );
      }
      if (key === 'initial_root_password') {
        out.problem(
          path,
          '[redacted]',
          'passwords do not belong in config, which the operator writes to a ConfigMap: put the account in a ' +
            'basic-auth Secret and name it in spec.authSecretRef',
        );
      } else if (/passw(or)?d|secret_key|access_key_secret/i.test(key)) {
        out.warn(path, 'config is written to a ConfigMap, readable by anyone who can read ConfigMaps');
      }
      if (cloudKeys.includes(key) && c !== 'broker') {
        out.problem(
          path,
          value,
          `${key} belongs to the storage-compute decoupled mode, whose meta service a DorisCluster does not ` +
            `run: remove it (DorisCluster runs FE and BE with local storage)`,
        );
      }
    }
    checkMemory(c, s, config, out);
    if (String(config.enable_all_http_auth).toLowerCase() === 'true') warnHttpAuth(c, out);
    if (c === 'fe') checkVariables(s, config, out);
  }
}

/**
 * The FE replaces every `${NAME}` in fe.conf from a system property or its environment and exits
 * when it finds neither ("no such env variable: NAME", fe-common ConfigBase.replacedByEnv).
 */
function checkVariables(s: ComponentSpec, config: Record<string, string>, out: Collector): void {
  const env = new Set([
    ...fePresetVariables,
    ...((s.pod?.env ?? []) as { name?: string }[]).map((e) => String(e.name)),
    ...Object.keys(config).filter((k) => /^[A-Z][A-Z_0-9]*$/.test(k)),
  ]);
  for (const [key, value] of Object.entries(config)) {
    for (const m of value.matchAll(/\$\{([^}]*)\}/g)) {
      if (!env.has(m[1] ?? ''))
        out.problem(
          at('spec.fe.config', key),
          value,
          `\${${m[1]}} is neither in the FE's environment nor a key of fe.conf: the FE would exit at start ` +
            `("no such env variable: ${m[1]}"); set it in spec.fe.pod.env or write the value itself`,
        );
    }
  }
}

/** What the FE's environment holds without the user: the image's, the start script's and the operator's. */
const fePresetVariables = [
  'DORIS_HOME',
  'JAVA_HOME',
  'LOG_DIR',
  'PID_DIR',
  'PATH',
  'HOME',
  'HOSTNAME',
  'CUR_DATE',
  'ENV_FE_ADDR',
  'FE_QUERY_PORT',
  'ELECT_NUMBER',
  'DORIS_ROOT',
  'CONFIGMAP_MOUNT_PATH',
  'POD_NAME',
  'POD_NAMESPACE',
  'POD_IP',
  'HOST_IP',
];

/**
 * `enable_all_http_auth=true` puts a Doris login in front of every HTTP endpoint: the FE answers
 * /api/health and /metrics with HTTP 200 and `{"code":401,...}` (fe-core `httpv2` interceptor);
 * the BE answers /metrics with 401 and, from 3.0.2, /api/health too (it needs ADMIN_PRIV)
 * (be/src/http/action/*, `config::enable_all_http_auth`).
 */
function warnHttpAuth(c: Component, out: Collector): void {
  const path = at(`spec.${c}.config`, 'enable_all_http_auth');
  if (c === 'fe')
    out.warn(
      path,
      "the FE's /metrics then answers without metrics: DorisMonitor's Prometheus and the autoscaler's " +
        'readings of the FE get no data (the readiness probe still passes: the FE answers HTTP 200 with code 401)',
    );
  else if (c === 'be' || c === 'cn')
    out.warn(
      path,
      `the ${label(c)}'s /metrics then answers 401 (no monitoring, no autoscaler readings), and from Doris ` +
        '3.0.2 its /api/health too: the readiness probe fails and the members never turn Ready',
    );
}
