/**
 * Checks of the pod overrides. The CRD embeds Kubernetes core types (containers, volumes,
 * tolerations...) whole rather than re-declaring them field by field, so the API server only
 * validates them when the operator creates the StatefulSet, and the error then surfaces as an
 * event on a child object. The mistakes users make most are caught here instead, with the field
 * path in the DorisCluster: and so are collisions with what the operator adds to each pod (its
 * container, volumes, mount paths and the Doris ports, see layout.ts).
 */
import type { Component } from '../../api/v1alpha1/owned-config.ts';
import { at, type Collector, show } from '../problem.ts';
import { components, dorisPorts, mainContainer, operatorMounts, pathsOverlap } from './layout.ts';
import { type ComponentSpec, label, presentComponents, type Spec } from './spec.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

const volumeSources = (v: Json) => Object.keys(v).filter((k) => k !== 'name');
const envSources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'];

function checkContainers(c: Component, pod: Json, out: Collector): void {
  const seen = new Map<string, string>(components.map((x) => [mainContainer(x), 'the operator']));
  for (const kind of ['initContainers', 'sidecars'] as const) {
    for (const [i, container] of list(pod[kind]).entries()) {
      const path = at(`spec.${c}.pod.${kind}`, i);
      const name = String(container.name);
      const taken = seen.get(name);
      if (taken !== undefined) {
        out.problem(
          `${path}.name`,
          name,
          `container name "${name}" is already used by ${taken}: containers and init containers of a pod need ` +
            `distinct names, and ${components.join(', ')} are the Doris containers' own`,
        );
      }
      seen.set(name, path);
      if (typeof container.image !== 'string' || container.image === '') {
        out.problem(`${path}.image`, container.image, 'a container needs an image, such as busybox:1.36');
      }
      for (const [j, port] of list(container.ports).entries()) {
        if (kind === 'sidecars' && dorisPorts[c].includes(Number(port.containerPort))) {
          out.problem(
            `${at(`${path}.ports`, j)}.containerPort`,
            port.containerPort,
            `port ${port.containerPort} is a ${label(c)} port (${dorisPorts[c].join(', ')}): containers of a pod ` +
              'share one network, so the sidecar would take it from Doris; choose another port',
          );
        }
      }
    }
  }
}

function checkVolumes(c: Component, pod: Json, own: Record<string, string>, out: Collector): Set<string> {
  const names = new Set(Object.keys(own));
  for (const [i, volume] of list(pod.volumes).entries()) {
    const path = at(`spec.${c}.pod.volumes`, i);
    const name = String(volume.name);
    if (Object.hasOwn(own, name)) {
      out.problem(
        `${path}.name`,
        name,
        `volume name "${name}" is one of the operator's (${Object.keys(own).join(', ')}): choose another name`,
      );
    }
    names.add(name);
    const sources = volumeSources(volume);
    if (sources.length !== 1) {
      out.problem(
        path,
        sources,
        `a volume needs exactly one source (emptyDir, configMap, secret, persistentVolumeClaim, ...), found ` +
          `${sources.length === 0 ? 'none' : sources.join(', ')}`,
      );
    }
  }
  return names;
}

function checkMounts(
  c: Component,
  pod: Json,
  own: Record<string, string>,
  volumes: Set<string>,
  out: Collector,
): void {
  const paths = new Map<string, number>();
  for (const [i, mount] of list(pod.volumeMounts).entries()) {
    const path = at(`spec.${c}.pod.volumeMounts`, i);
    if (!volumes.has(String(mount.name))) {
      out.problem(
        `${path}.name`,
        mount.name,
        `no volume named ${show(mount.name)}: list it in spec.${c}.pod.volumes (the operator's own are ` +
          `${Object.keys(own).join(', ')})`,
      );
    }
    const mountPath = mount.mountPath;
    if (typeof mountPath !== 'string' || !mountPath.startsWith('/')) {
      out.problem(
        `${path}.mountPath`,
        mountPath,
        'mountPath must be an absolute path such as /var/log/extra',
      );
      continue;
    }
    const clash = Object.entries(own).find(([, p]) => pathsOverlap(p, mountPath));
    if (clash !== undefined) {
      out.problem(
        `${path}.mountPath`,
        mountPath,
        `${mountPath} overlaps ${clash[1]}, where the operator mounts its "${clash[0]}" volume: ` +
          'choose a path outside it',
      );
    }
    const first = paths.get(mountPath);
    if (first !== undefined) {
      out.problem(
        `${path}.mountPath`,
        mountPath,
        `${mountPath} is already mounted by volumeMounts[${first}]`,
      );
    } else paths.set(mountPath, i);
    const sub = mount.subPath;
    if (typeof sub === 'string' && (sub.startsWith('/') || sub.split('/').includes('..'))) {
      out.problem(`${path}.subPath`, sub, 'subPath must be a relative path inside the volume, without ".."');
    }
  }
}

/** start_fe.sh and start_be.sh exit when any of these is set (2.0-3.0, `env '...' = '...', need unset it`). */
const proxyVariables = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'];

function checkEnv(c: Component, pod: Json, out: Collector): void {
  for (const [i, env] of list(pod.env).entries()) {
    const path = at(`spec.${c}.pod.env`, i);
    if (c !== 'broker' && proxyVariables.includes(String(env.name)))
      out.problem(
        `${path}.name`,
        env.name,
        `the ${label(c)} start script exits when ${String(env.name)} is set (it refuses proxies for the ` +
          'process); configure proxies for external catalogs in their own properties instead',
      );
    if (env.value !== undefined && env.valueFrom !== undefined) {
      out.problem(path, env.name, `${show(env.name)} sets both value and valueFrom: keep one`);
    }
    if (env.valueFrom !== undefined) {
      const from = isObject(env.valueFrom)
        ? Object.keys(env.valueFrom).filter((k) => envSources.includes(k))
        : [];
      if (from.length !== 1) {
        out.problem(
          `${path}.valueFrom`,
          env.valueFrom,
          `valueFrom needs exactly one of ${envSources.slice(0, 4).join(', ')}`,
        );
      }
    }
  }
}

const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function checkScheduling(c: Component, pod: Json, out: Collector): void {
  for (const [i, t] of list(pod.tolerations).entries()) {
    const path = at(`spec.${c}.pod.tolerations`, i);
    const operator = t.operator ?? 'Equal';
    if (operator !== 'Equal' && operator !== 'Exists') {
      out.problem(`${path}.operator`, t.operator, 'operator must be Equal (the default) or Exists');
    } else if (operator === 'Exists' && t.value !== undefined && t.value !== '') {
      out.problem(
        `${path}.value`,
        t.value,
        'a toleration with operator Exists matches any value: remove value',
      );
    } else if (operator === 'Equal' && (t.key === undefined || t.key === '')) {
      out.problem(`${path}.key`, t.key, 'a toleration without key must use operator Exists');
    }
    if (t.effect !== undefined && t.effect !== '' && !effects.includes(String(t.effect))) {
      out.problem(
        `${path}.effect`,
        t.effect,
        `effect must be one of ${effects.join(', ')}, or empty for all`,
      );
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      out.problem(
        `${path}.tolerationSeconds`,
        t.tolerationSeconds,
        'tolerationSeconds needs effect NoExecute',
      );
    }
  }
  for (const [i, tsc] of list(pod.topologySpreadConstraints).entries()) {
    const path = at(`spec.${c}.pod.topologySpreadConstraints`, i);
    if (!Number.isInteger(tsc.maxSkew) || (tsc.maxSkew as number) < 1) {
      out.problem(`${path}.maxSkew`, tsc.maxSkew, 'maxSkew must be an integer of at least 1');
    }
    if (typeof tsc.topologyKey !== 'string' || tsc.topologyKey === '') {
      out.problem(
        `${path}.topologyKey`,
        tsc.topologyKey,
        'topologyKey is required, e.g. topology.kubernetes.io/zone',
      );
    }
    if (tsc.whenUnsatisfiable !== 'DoNotSchedule' && tsc.whenUnsatisfiable !== 'ScheduleAnyway') {
      out.problem(
        `${path}.whenUnsatisfiable`,
        tsc.whenUnsatisfiable,
        'whenUnsatisfiable must be DoNotSchedule or ScheduleAnyway',
      );
    }
  }
}

function dataDirNames(c: Component, s: ComponentSpec): string[] {
  if (c !== 'be') return [];
  const dirs = (s.storage as { dataDirs?: { name: string }[] }).dataDirs ?? [];
  return dirs.map((d) => d.name);
}

export function checkPods(spec: Spec, out: Collector): void {
  for (const [c, s] of presentComponents(spec)) {
    const pod = s.pod as Json | undefined;
    if (pod === undefined) continue;
    const own = operatorMounts(c, dataDirNames(c, s));
    checkContainers(c, pod, out);
    const volumes = checkVolumes(c, pod, own, out);
    checkMounts(c, pod, own, volumes, out);
    checkEnv(c, pod, out);
    checkScheduling(c, pod, out);
  }
}
