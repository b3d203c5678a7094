/**
 * Admission warnings: choices that are allowed but risky, shown by kubectl as `Warning: ...`
 * without refusing the object. Each says what is at risk and what to choose instead.
 */
import type { Collector } from '../problem.ts';
import type { Facts } from './facts.ts';
import { privilegedHostPreparation, volumesOf } from './facts.ts';
import { label, presentComponents, type Spec } from './spec.ts';

/** Doris creates tables with 3 replicas unless told otherwise (`replication_num`). */
const DEFAULT_REPLICATION = 3;

export function warnRisks(spec: Spec, facts: Facts, out: Collector): void {
  for (const [c, s] of presentComponents(spec)) {
    const name = (s as { configMapRef?: { name: string } }).configMapRef?.name;
    const fact = name === undefined ? undefined : facts.ownConfigMaps?.get(name);
    if (fact?.exists === false)
      out.warn(
        `spec.${c}.configMapRef.name`,
        `ConfigMap ${name} does not exist: the ${label(c)} members wait for it (nothing is built without their conf file)`,
      );
  }
  if (facts.podSecurity === 'baseline' || facts.podSecurity === 'restricted') {
    for (const c of privilegedHostPreparation(spec)) {
      out.warn(
        `spec.${c}.hostPreparation.enabled`,
        `the namespace enforces the ${facts.podSecurity} pod security profile, which refuses the privileged ` +
          `init container that raises vm.max_map_count: no ${label(c)} pod would be created. Prepare the nodes ` +
          `another way (vm.max_map_count >= 2000000, swap off) and set spec.${c}.hostPreparation.enabled to false`,
      );
    }
  }
  if (spec.fe.replicas === 1) {
    out.warn('spec.fe.replicas', 'one FE is a single point of failure: 3 FEs survive the loss of one');
  } else if ((spec.fe.electionNumber ?? (spec.fe.replicas >= 3 ? 3 : 1)) === 1) {
    out.warn('spec.fe.electionNumber', 'one follower: if it fails no observer can become master; use 3');
  }
  if (spec.be.replicas < DEFAULT_REPLICATION) {
    out.warn(
      'spec.be.replicas',
      `${spec.be.replicas} BE(s) are fewer than the default replication number ${DEFAULT_REPLICATION}: ` +
        `tables need "replication_num" = "${spec.be.replicas}", and Doris refuses to decommission a BE while a ` +
        'table (its internal statistics tables hold 3 replicas once it had 3 BEs) has more replicas than BEs would remain',
    );
  }
  for (const [c, s] of presentComponents(spec)) {
    if (s.replicas === 0) continue;
    const limits = s.resources?.limits ?? {};
    const missing = ['cpu', 'memory'].filter((r) => limits[r] === undefined);
    if (missing.length > 0) {
      out.warn(
        `spec.${c}.resources.limits`,
        `no ${missing.join(' or ')} limit: ${label(c)} members can starve their node; set requests and limits`,
      );
    }
  }
  for (const v of volumesOf(spec).values()) {
    if (v.type === 'EmptyDir') {
      out.warn(
        `${v.path}.type`,
        'EmptyDir loses its data whenever the pod goes away; use PersistentVolumeClaim',
      );
    }
  }
  warnNodePorts(spec, out);
  checkAuth(spec, facts, out);
}

/** Taking an optional component out of a cluster removes members: say how, before it starts. */
export function warnRemovals(spec: Spec, old: Spec | undefined, out: Collector): void {
  if (old === undefined) return;
  const now = new Set(presentComponents(spec).map(([c]) => c));
  for (const [c, s] of presentComponents(old)) {
    if (now.has(c) || s.replicas === 0) continue;
    out.warn(
      `spec.${c}`,
      `removing it takes its ${s.replicas} ${label(c)} member(s) out of Doris one at a time (${
        c === 'cn' ? 'drained, then dropped' : 'dropped'
      }), then deletes its StatefulSet, Services, ConfigMap and PodDisruptionBudget; its claims follow retentionPolicy`,
    );
  }
}

/** kube-apiserver's default `--service-node-port-range`; clusters may configure another. */
const NODE_PORTS = { min: 30000, max: 32767 };

/** A node port outside the default range is refused by most API servers, but not by all of them. */
function warnNodePorts(spec: Spec, out: Collector): void {
  const service = (spec.fe as { service?: Record<string, unknown> }).service ?? {};
  for (const key of ['queryNodePort', 'httpNodePort']) {
    const port = service[key];
    if (typeof port !== 'number' || (port >= NODE_PORTS.min && port <= NODE_PORTS.max)) continue;
    out.warn(
      `spec.fe.service.${key}`,
      `${port} is outside the default node port range ${NODE_PORTS.min}-${NODE_PORTS.max}: the API server ` +
        'refuses the Service unless its --service-node-port-range includes it; omit it to have one allocated',
    );
  }
}

function checkAuth(spec: Spec, facts: Facts, out: Collector): void {
  const ref = spec.authSecretRef;
  if (ref === undefined) {
    out.warn('spec.authSecretRef', 'not set: the operator uses root with an empty password, for trials only');
    return;
  }
  const secret = facts.authSecret;
  const path = 'spec.authSecretRef.name';
  if (secret?.state === 'missing') {
    out.warn(path, `Secret ${ref.name} does not exist yet: members cannot start until it does`);
  } else if (secret?.state === 'found') {
    const missing = ['username', 'password'].filter((k) => !secret.keys.includes(k));
    if (missing.length > 0) {
      out.problem(
        path,
        ref.name,
        `Secret ${ref.name} has no ${missing.join(' or ')} key: the operator's Doris account needs both (a kubernetes.io/basic-auth Secret has them)`,
      );
    }
  } else if (secret?.state === 'unknown') {
    out.warn(path, `Secret ${ref.name} could not be checked (${secret.reason})`);
  }
}
