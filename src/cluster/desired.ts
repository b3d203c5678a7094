/**
 * Every child object of a DorisCluster, built by pure functions from the resolved spec: per
 * component a ConfigMap, a headless Service, a StatefulSet and a PodDisruptionBudget, and the FE
 * client Service. StatefulSets use the OnDelete strategy: the operator, not the StatefulSet
 * controller, decides which member restarts when, so it can keep the Doris order (S6) and confirm
 * each member in Doris before the next (S4). Their replica count is set by the planner, not here.
 */
import type { Component, ResolvedDorisClusterSpec } from '../api/v1alpha1/index.ts';
import { builtin, type ResourceType } from '../kube/resources.ts';
import type { KubeObject, OwnerReference } from '../runtime/object.ts';
import { configFiles, configHash } from './conf.ts';
import {
  components,
  configMapName,
  feServiceName,
  internalServiceName,
  objectLabels,
  selectorLabels,
  statefulSetName,
} from './names.ts';
import { buildPodTemplate } from './pod-template.ts';
import { ports } from './ports.ts';
import { claimTemplates, componentVolumes } from './volumes.ts';

export interface ClusterRef {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** The DNS domain of the Kubernetes cluster it runs in (the manager's). @default 'cluster.local' */
  readonly clusterDomain?: string;
  /** Its `doris.cloudnative.dev/restartedAt` annotation: a new value restarts every member. */
  readonly restartedAt?: string;
  /** The data of the ConfigMap each component's `configMapRef` names, as last read. */
  readonly ownConfig?: Partial<Record<Component, Readonly<Record<string, string>>>>;
}

export interface Desired {
  readonly type: ResourceType;
  readonly object: KubeObject;
}

export const presentComponents = (spec: ResolvedDorisClusterSpec): Component[] =>
  components.filter((c) => spec[c] !== undefined);

/** The owner reference every child carries: deleting the cluster collects them (claims aside). */
export function ownerRef(ref: ClusterRef): OwnerReference {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    name: ref.name,
    uid: ref.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function meta(ref: ClusterRef, spec: ResolvedDorisClusterSpec, name: string, c?: Component) {
  const owner = ownerRef(ref);
  return {
    name,
    namespace: ref.namespace,
    labels: { ...spec.inheritedMetadata?.labels, ...objectLabels(ref.name, c) },
    ...(spec.inheritedMetadata?.annotations
      ? { annotations: { ...spec.inheritedMetadata.annotations } }
      : {}),
    ownerReferences: [owner],
  };
}

export function buildConfigMap(ref: ClusterRef, spec: ResolvedDorisClusterSpec, c: Component): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(ref, spec, configMapName(ref.name, c), c),
    data: configFiles(spec, c, ref.ownConfig?.[c]),
  };
}

export function buildInternalService(
  ref: ClusterRef,
  spec: ResolvedDorisClusterSpec,
  c: Component,
): KubeObject {
  const servicePorts =
    c === 'fe'
      ? [
          { name: 'query', port: ports.fe.query },
          { name: 'http', port: ports.fe.http },
          { name: 'rpc', port: ports.fe.rpc },
          { name: 'edit-log', port: ports.fe.editLog },
        ]
      : c === 'broker'
        ? [{ name: 'ipc', port: ports.broker.ipc }]
        : [
            { name: 'heartbeat', port: ports.be.heartbeat },
            { name: 'webserver', port: ports.be.webserver },
            { name: 'be', port: ports.be.be },
            { name: 'brpc', port: ports.be.brpc },
          ];
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(ref, spec, internalServiceName(ref.name, c), c),
    spec: {
      clusterIP: 'None',
      // FE members find each other (and the master) before they are ready.
      publishNotReadyAddresses: c === 'fe',
      selector: selectorLabels(ref.name, c),
      ports: servicePorts.map((p) => ({ ...p, targetPort: p.port, protocol: 'TCP' })),
    },
  };
}

export function buildFeService(ref: ClusterRef, spec: ResolvedDorisClusterSpec): KubeObject {
  const s = spec.fe.service;
  const m = meta(ref, spec, feServiceName(ref.name), 'fe');
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      ...m,
      labels: { ...s.labels, ...m.labels },
      annotations: { ...m.annotations, ...s.annotations },
    },
    spec: {
      type: s.type,
      selector: selectorLabels(ref.name, 'fe'),
      ports: [
        {
          name: 'query',
          port: ports.fe.query,
          targetPort: ports.fe.query,
          protocol: 'TCP',
          ...(s.queryNodePort ? { nodePort: s.queryNodePort } : {}),
        },
        {
          name: 'http',
          port: ports.fe.http,
          targetPort: ports.fe.http,
          protocol: 'TCP',
          ...(s.httpNodePort ? { nodePort: s.httpNodePort } : {}),
        },
      ],
      ...(s.loadBalancerSourceRanges ? { loadBalancerSourceRanges: s.loadBalancerSourceRanges } : {}),
      ...(s.loadBalancerClass ? { loadBalancerClass: s.loadBalancerClass } : {}),
      ...(s.externalTrafficPolicy ? { externalTrafficPolicy: s.externalTrafficPolicy } : {}),
    },
  };
}

/** The StatefulSet of a component with `replicas` members (the planner decides the count). */
export function buildStatefulSet(
  ref: ClusterRef,
  spec: ResolvedDorisClusterSpec,
  c: Component,
  replicas: number,
): KubeObject {
  const s = spec[c];
  if (s === undefined) throw new Error(`component ${c} is not in the spec`);
  const volumes = componentVolumes(spec, c);
  const labels = { ...spec.inheritedMetadata?.labels, ...objectLabels(ref.name, c) };
  const retention = s.storage.retentionPolicy;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(ref, spec, statefulSetName(ref.name, c), c),
    spec: {
      replicas,
      serviceName: internalServiceName(ref.name, c),
      selector: { matchLabels: selectorLabels(ref.name, c) },
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'OnDelete' },
      persistentVolumeClaimRetentionPolicy: {
        whenScaled: retention.whenScaled,
        whenDeleted: retention.whenDeleted,
      },
      template: buildPodTemplate({
        cluster: ref.name,
        namespace: ref.namespace,
        clusterDomain: ref.clusterDomain ?? 'cluster.local',
        ...(ref.restartedAt === undefined ? {} : { restartedAt: ref.restartedAt }),
        spec,
        component: c,
        configHash: configHash(configFiles(spec, c, ref.ownConfig?.[c])),
        volumes,
      }),
      volumeClaimTemplates: claimTemplates(volumes, labels),
    },
  };
}

/**
 * At most one member of FE or BE down through voluntary disruptions (node drains): FE keeps its
 * follower majority, BE keeps the other replicas of every tablet. CN and Broker follow maxUnavailable.
 */
export function buildPodDisruptionBudget(
  ref: ClusterRef,
  spec: ResolvedDorisClusterSpec,
  c: Component,
): KubeObject {
  const maxUnavailable = c === 'fe' || c === 'be' ? 1 : spec.rollout.maxUnavailable;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(ref, spec, statefulSetName(ref.name, c), c),
    spec: { maxUnavailable, selector: { matchLabels: selectorLabels(ref.name, c) } },
  };
}

/** The objects whose content does not depend on the rollout state (everything but StatefulSets). */
export function buildSupportObjects(ref: ClusterRef, spec: ResolvedDorisClusterSpec): Desired[] {
  const out: Desired[] = [{ type: builtin.Service, object: buildFeService(ref, spec) }];
  for (const c of presentComponents(spec)) {
    out.push({ type: builtin.ConfigMap, object: buildConfigMap(ref, spec, c) });
    out.push({ type: builtin.Service, object: buildInternalService(ref, spec, c) });
    out.push({ type: builtin.PodDisruptionBudget, object: buildPodDisruptionBudget(ref, spec, c) });
  }
  return out;
}
