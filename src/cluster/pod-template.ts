/**
 * The pod template of a component, shaped for the official apache/doris images and their
 * Kubernetes entrypoints: the entrypoint script with the FE address as argument, the environment
 * they read, the ConfigMap at /etc/doris, the auth Secret at /etc/basic_auth (never in env or
 * command lines), the probes and preStop hooks of the reference, and the user's pod overrides.
 */
import { createHash } from 'node:crypto';
import type { Component, ResolvedDorisClusterSpec } from '../api/v1alpha1/index.ts';
import { probePeriodSeconds } from '../api/v1alpha1/probes.ts';
import { annotationKeys, configMapName, internalServiceName, objectLabels, selectorLabels } from './names.ts';
import { paths, ports } from './ports.ts';
import { type ComponentVolume, emptyDirVolumes } from './volumes.ts';

export interface PodTemplateInput {
  readonly cluster: string;
  readonly namespace: string;
  /** The cluster's DNS domain: the FE Service's name in ENV_FE_ADDR ends with it. */
  readonly clusterDomain: string;
  readonly spec: ResolvedDorisClusterSpec;
  readonly component: Component;
  readonly configHash: string;
  /** The cluster's restartedAt annotation, copied into the template so that a new value rolls. */
  readonly restartedAt?: string;
  readonly volumes: readonly ComponentVolume[];
}

interface Profile {
  readonly script: string;
  readonly container: string;
  readonly ports: { name: string; containerPort: number }[];
  /** The liveness and startup check: the port that opens once the process serves. */
  readonly alive: object;
  readonly readiness: object;
  readonly preStop?: string;
  readonly gracePeriod: number;
}

const tcp = (port: number) => ({ tcpSocket: { port } });
const http = (port: number, path: string) => ({ httpGet: { port, path } });
const every = { periodSeconds: probePeriodSeconds, timeoutSeconds: 3 };

function profile(c: Component): Profile {
  switch (c) {
    case 'fe':
      return {
        script: 'fe_entrypoint.sh',
        container: 'fe',
        ports: [
          { name: 'http', containerPort: ports.fe.http },
          { name: 'rpc', containerPort: ports.fe.rpc },
          { name: 'query', containerPort: ports.fe.query },
          { name: 'edit-log', containerPort: ports.fe.editLog },
        ],
        alive: tcp(ports.fe.query),
        readiness: { ...http(ports.fe.http, '/api/health'), ...every, failureThreshold: 3 },
        preStop: '/opt/apache-doris/fe_prestop.sh',
        gracePeriod: 60,
      };
    case 'be':
    case 'cn':
      return {
        script: 'be_entrypoint.sh',
        container: c,
        ports: [
          { name: 'be', containerPort: ports.be.be },
          { name: 'webserver', containerPort: ports.be.webserver },
          { name: 'heartbeat', containerPort: ports.be.heartbeat },
          { name: 'brpc', containerPort: ports.be.brpc },
        ],
        alive: tcp(ports.be.heartbeat),
        readiness: { ...http(ports.be.webserver, '/api/health'), ...every, failureThreshold: 3 },
        preStop: '/opt/apache-doris/be_prestop.sh',
        gracePeriod: 120,
      };
    case 'broker':
      return {
        script: 'broker_entrypoint.sh',
        container: 'broker',
        ports: [{ name: 'ipc', containerPort: ports.broker.ipc }],
        alive: tcp(ports.broker.ipc),
        readiness: { ...tcp(ports.broker.ipc), ...every, failureThreshold: 3 },
        gracePeriod: 30,
      };
  }
}

/** The startup probe gives the start budget, then liveness takes over with its own tolerance. */
function probes(p: Profile, timings: { startTimeoutSeconds: number; liveTimeoutSeconds: number }) {
  const checks = (seconds: number) => Math.max(1, Math.ceil(seconds / probePeriodSeconds));
  return {
    livenessProbe: { ...p.alive, ...every, failureThreshold: checks(timings.liveTimeoutSeconds) },
    readinessProbe: p.readiness,
    startupProbe: { ...p.alive, ...every, failureThreshold: checks(timings.startTimeoutSeconds) },
  };
}

const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

export function buildPodTemplate(input: PodTemplateInput) {
  const { cluster, namespace, clusterDomain, spec, component: c, volumes } = input;
  const s = spec[c];
  if (s === undefined) throw new Error(`component ${c} is not in the spec`);
  const p = profile(c);
  const pod = s.pod ?? {};
  const hostPreparation = 'hostPreparation' in s ? s.hostPreparation : undefined;
  const feAddress = `${internalServiceName(cluster, 'fe')}.${namespace}.svc.${clusterDomain}`;
  const env = [
    { name: 'ENV_FE_ADDR', value: feAddress },
    { name: 'FE_QUERY_PORT', value: String(ports.fe.query) },
    ...(c === 'fe' ? [{ name: 'ELECT_NUMBER', value: String(spec.fe.electionNumber) }] : []),
    ...(c === 'be' || c === 'cn' ? [{ name: 'HOST_TYPE', value: 'FQDN' }] : []),
    // Without the init container the node is prepared by other means: Doris 2.1.8+ and 3.0.4+
    // then skip their host checks (start_be.sh), as the official operator does.
    ...(hostPreparation?.enabled === false ? [{ name: 'SKIP_CHECK_ULIMIT', value: 'true' }] : []),
    { name: 'DORIS_ROOT', value: paths.root },
    { name: 'CONFIGMAP_MOUNT_PATH', value: paths.config },
    fieldEnv('POD_NAME', 'metadata.name'),
    fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
    fieldEnv('POD_IP', 'status.podIP'),
    fieldEnv('HOST_IP', 'status.hostIP'),
    ...((pod.env ?? []) as object[]),
  ];
  const mounts = [
    ...volumes.map((v) => ({ name: v.name, mountPath: v.mountPath })),
    { name: 'config', mountPath: paths.config },
    { name: 'podinfo', mountPath: paths.podInfo },
    ...(spec.authSecretRef ? [{ name: 'basic-auth', mountPath: paths.basicAuth, readOnly: true }] : []),
    ...((pod.volumeMounts ?? []) as object[]),
  ];
  const podVolumes = [
    ...emptyDirVolumes(volumes),
    { name: 'config', configMap: { name: configMapName(cluster, c) } },
    {
      name: 'podinfo',
      downwardAPI: { items: [{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }] },
    },
    ...(spec.authSecretRef
      ? [{ name: 'basic-auth', secret: { secretName: spec.authSecretRef.name, defaultMode: 0o400 } }]
      : []),
    ...((pod.volumes ?? []) as object[]),
  ];
  const main = {
    name: p.container,
    image: s.image,
    imagePullPolicy: spec.imagePullPolicy,
    ...entrypoint(c, `${paths.root}/${p.script}`),
    ports: p.ports.map((port) => ({ ...port, protocol: 'TCP' })),
    env,
    volumeMounts: mounts,
    ...(s.resources ? { resources: s.resources } : {}),
    ...probes(p, s.probes),
    ...(p.preStop ? { lifecycle: { preStop: { exec: { command: [p.preStop] } } } } : {}),
    ...(pod.containerSecurityContext ? { securityContext: pod.containerSecurityContext } : {}),
  };
  const initContainers = [
    ...(hostPreparation?.enabled === true
      ? [prepareHost(hostPreparation.image ?? s.image, spec.imagePullPolicy)]
      : []),
    ...((pod.initContainers ?? []) as object[]),
  ];
  const selector = selectorLabels(cluster, c);
  const template = {
    metadata: {
      labels: { ...spec.inheritedMetadata?.labels, ...pod.labels, ...objectLabels(cluster, c) },
      annotations: {
        ...spec.inheritedMetadata?.annotations,
        ...pod.annotations,
        [annotationKeys.configHash]: spec.rollout.restartOnConfigChange
          ? input.configHash
          : 'restart-disabled',
        ...(input.restartedAt === undefined ? {} : { [annotationKeys.restartedAt]: input.restartedAt }),
      } as Record<string, string>,
    },
    spec: {
      ...(initContainers.length > 0 ? { initContainers } : {}),
      containers: [main, ...((pod.sidecars ?? []) as object[])],
      volumes: podVolumes,
      terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds ?? p.gracePeriod,
      ...(pod.serviceAccountName ? { serviceAccountName: pod.serviceAccountName } : {}),
      ...(pod.priorityClassName ? { priorityClassName: pod.priorityClassName } : {}),
      ...(pod.podSecurityContext ? { securityContext: pod.podSecurityContext } : {}),
      ...(pod.imagePullSecrets ? { imagePullSecrets: pod.imagePullSecrets } : {}),
      ...(pod.nodeSelector ? { nodeSelector: pod.nodeSelector } : {}),
      ...(pod.tolerations ? { tolerations: pod.tolerations } : {}),
      affinity: pod.affinity ?? defaultAffinity(selector),
      topologySpreadConstraints: pod.topologySpreadConstraints ?? defaultSpread(c, selector),
    },
  };
  // The digest of everything above: any change to it (image, resources, env, probes, scheduling,
  // sidecars, config) marks the running members outdated, and the rollout restarts them in turn.
  template.metadata.annotations[annotationKeys.templateHash] = digest(template);
  return template;
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/**
 * The entrypoint with the FE address as its argument. A BE's runs under a shell that first raises
 * its open files limit to the hard limit: start_be.sh exits below 60,000, and runtimes that leave
 * the limits to systemd (containerd 2.x) start containers at 1024 soft / 524288 hard.
 */
function entrypoint(c: Component, script: string): { command: string[]; args: string[] } {
  if (c !== 'be' && c !== 'cn') return { command: [script], args: ['$(ENV_FE_ADDR)'] };
  return {
    command: ['/bin/bash', '-c', `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${script} "$@"`, script],
    args: ['$(ENV_FE_ADDR)'],
  };
}

/** The minimum start_be.sh accepts (2.0 L67-72, 2.1 L69-73, 3.0 L180-184). */
const minMaxMapCount = 2_000_000;

/**
 * A privileged init container that raises the node's vm.max_map_count, never lowering it (other
 * workloads may need more). It writes /proc/sys directly, so any image with a shell will do.
 */
function prepareHost(image: string, imagePullPolicy: string | undefined): object {
  const file = '/proc/sys/vm/max_map_count';
  return {
    name: 'prepare-host',
    image,
    ...(imagePullPolicy ? { imagePullPolicy } : {}),
    command: [
      '/bin/sh',
      '-c',
      `if [ "$(cat ${file})" -lt ${minMaxMapCount} ]; then echo ${minMaxMapCount} > ${file}; fi`,
    ],
    securityContext: { privileged: true, runAsUser: 0 },
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
  };
}

/** Members of one component prefer different nodes, so one node failure takes out one member. */
function defaultAffinity(selector: Record<string, string>): object {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: 'kubernetes.io/hostname',
            labelSelector: { matchLabels: selector },
          },
        },
      ],
    },
  };
}

/**
 * FE and BE spread across zones by default: followers in one zone lose quorum with it, and BE
 * replicas of a tablet should not share a zone. Soft (ScheduleAnyway), so single-zone clusters work.
 */
function defaultSpread(c: Component, selector: Record<string, string>): object[] {
  if (c !== 'fe' && c !== 'be') return [];
  return [
    {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: selector },
    },
  ];
}
