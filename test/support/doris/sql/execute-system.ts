/**
 * ALTER SYSTEM and the node views: frontends, backends and brokers, frontend configuration. All
 * changes need NODE_PRIV and a master with quorum; reads need ADMIN_PRIV or NODE_PRIV.
 */
import { ddlError } from '../errors.ts';
import { type BackendTarget, parseBackendTarget } from '../state/backends.ts';
import type { DorisCluster } from '../state/cluster.ts';
import { CONFIG_COLUMNS, FeConfig } from '../state/configs.ts';
import { type HostPort, parseHostPort } from '../state/probe.ts';
import { backendRows, brokerRows, frontendRows } from '../state/rows.ts';
import { atLeast, type DorisVersion } from '../version.ts';
import { type Exec, forwarded, type Handlers, OK, rows } from './session.ts';

const hostPort = (text: string): HostPort => {
  const hp = parseHostPort(text);
  if (hp === undefined) throw ddlError(`Invalid host port format: ${text}`);
  return hp;
};

const needNode = (x: Exec): void => x.auth.require(x.session.user, ['NODE']);
const needAdminOrNode = (x: Exec): void => x.auth.require(x.session.user, ['ADMIN', 'NODE']);
const source = (x: Exec): string => x.source;

export const DROP_BACKEND_REFUSED =
  'It is highly NOT RECOMMENDED to use DROP BACKEND stmt.It is not safe to directly drop a backend. ' +
  'All data on this backend will be discarded permanently. If you insist, use DROPP instead of DROP';

export const systemHandlers: Handlers = {
  showFrontends: (_, x) => {
    needAdminOrNode(x);
    const r = frontendRows(x.cluster, x.fe.viewer);
    return rows(r.columns, r.rows);
  },
  showFrontendDisks: (_, x) => {
    needAdminOrNode(x);
    const columns = [
      'Name',
      'Host',
      'DirType',
      'Dir',
      'Filesystem',
      'Capacity',
      'Used',
      'Available',
      'UseRate',
      'MountOn',
    ];
    const fe = x.cluster.frontends.byName(x.fe.viewer.name);
    const dirs = ['meta', 'log', 'audit-log', 'temp', 'deploy'];
    return rows(
      columns,
      dirs.map((d) => [
        fe?.name ?? '',
        fe?.host ?? '',
        d,
        `/opt/apache-doris/fe/${d}`,
        '/dev/vda1',
        '98.3 GB',
        '4.2 GB',
        '94.1 GB',
        '4 %',
        '/',
      ]),
    );
  },
  showBackends: (_, x) => {
    needAdminOrNode(x);
    const r = backendRows(x.cluster, x.fe.viewer.profile);
    return rows(r.columns, r.rows);
  },
  showBrokers: (_, x) => {
    needAdminOrNode(x);
    const r = brokerRows(x.cluster);
    return rows(r.columns, r.rows);
  },
  addFrontend: (s, x) => {
    needNode(x);
    const hp = hostPort(s.hostPort);
    const fe = x.cluster.write(() => x.cluster.frontends.add(s.role, hp.host, hp.port));
    x.cluster.record(`frontend ${fe.name} (${hp.host}:${hp.port}) added as ${s.role}`, source(x));
    return OK;
  },
  dropFrontend: (s, x) => {
    needNode(x);
    const hp = hostPort(s.hostPort);
    const fe = x.cluster.write(() => x.cluster.frontends.drop(s.role, hp.host, hp.port));
    x.cluster.record(`frontend ${fe.name} (${hp.host}:${hp.port}) dropped as ${s.role}`, source(x));
    return OK;
  },
  addBackend: (s, x) => {
    needNode(x);
    const hps = s.hostPorts.map(hostPort);
    const tag = s.props['tag.location'] ?? 'default';
    const added = x.cluster.write(() => x.cluster.backends.add(hps, tag, x.cluster.allocateId));
    for (const be of added)
      x.cluster.record(`backend ${be.id} (${be.host}:${be.heartbeatPort}) added`, source(x));
    return OK;
  },
  dropBackend: (s, x) => {
    needNode(x);
    if (!s.force) throw ddlError(DROP_BACKEND_REFUSED);
    const targets = s.targets.map(parseBackendTarget);
    const dropped = x.cluster.write(() => x.cluster.backends.dropp(targets));
    for (const be of dropped) {
      const lost = x.cluster.catalog.removeReplicasOn(be.id);
      x.cluster.record(
        `backend ${be.id} (${be.host}:${be.heartbeatPort}) dropped (DROPP, ${lost} replicas discarded)`,
        source(x),
      );
    }
    return OK;
  },
  decommissionBackend: (s, x) => {
    needNode(x);
    const targets = s.targets.map(parseBackendTarget);
    x.cluster.write(() => decommission(x.cluster, x.fe.version, targets, source(x)));
    return OK;
  },
  cancelDecommission: (s, x) => {
    needNode(x);
    const targets = s.targets.map(parseBackendTarget);
    const changed = x.cluster.write(() => x.cluster.backends.cancelDecommission(targets));
    for (const be of changed)
      x.cluster.record(`backend ${be.id} (${be.host}) decommission cancelled`, source(x));
    return OK;
  },
  modifyBackend: (s, x) => {
    needNode(x);
    const targets = s.targets.map(parseBackendTarget);
    x.cluster.write(() => x.cluster.backends.modify(targets, s.props));
    return OK;
  },
  addBroker: (s, x) => {
    needNode(x);
    const hps = s.hostPorts.map(hostPort);
    const added = x.cluster.write(() => x.cluster.brokers.add(s.name, hps));
    for (const b of added) x.cluster.record(`broker ${b.name} (${b.host}:${b.port}) added`, source(x));
    return OK;
  },
  dropBroker: (s, x) => {
    needNode(x);
    const hps = s.hostPorts.map(hostPort);
    const dropped = x.cluster.write(() => x.cluster.brokers.drop(s.name, hps));
    for (const b of dropped) x.cluster.record(`broker ${b.name} (${b.host}:${b.port}) dropped`, source(x));
    return OK;
  },
  dropAllBroker: (s, x) => {
    needNode(x);
    const dropped = x.cluster.write(() => x.cluster.brokers.dropAll(s.name));
    for (const b of dropped) x.cluster.record(`broker ${b.name} (${b.host}:${b.port}) dropped`, source(x));
    return OK;
  },
  setConfig: (s, x) => {
    x.auth.require(x.session.user, ['ADMIN']);
    for (const [k, v] of Object.entries(s.props)) FeConfig.check(k, v);
    for (const [k, v] of Object.entries(s.props)) {
      if (s.all) {
        for (const fe of x.cluster.frontends.list) x.cluster.config(fe.name).set(k, v);
      } else if (FeConfig.isMasterOnly(k)) {
        // A master-only setting is forwarded to the master and changes only its copy.
        const master = forwarded(x.fe).viewer.name;
        x.cluster.requireMaster();
        x.cluster.config(master).set(k, v);
      } else {
        x.cluster.config(x.fe.viewer.name).set(k, v);
      }
      x.cluster.record(`frontend config ${k}=${v}${s.all ? ' on all frontends' : ''}`, source(x));
    }
    return OK;
  },
  showConfig: (s, x) => {
    x.auth.require(x.session.user, ['ADMIN']);
    return rows(CONFIG_COLUMNS, x.cluster.config(x.fe.viewer.name).rows(s.pattern));
  },
};

/**
 * DECOMMISSION: unknown backends fail, flagged ones are skipped, and (2.1.3+) the remaining
 * schedulable backends of each tag must still hold every partition's replication number.
 */
function decommission(
  cluster: DorisCluster,
  version: DorisVersion,
  targets: readonly BackendTarget[],
  by: string,
): void {
  const list = cluster.backends.toDecommission(targets);
  if (list.length === 0) return;
  const tags = new Set(list.map((b) => b.tagLocation));
  const available = new Map<string, number>();
  for (const b of cluster.backends.list) {
    if (!b.alive || b.decommissioned || list.includes(b)) continue;
    available.set(b.tagLocation, (available.get(b.tagLocation) ?? 0) + 1);
  }
  // The replica check came with 2.1.3 (#32748): before it, Doris accepts the decommission and it
  // then stalls for good, the replicas finding nowhere to go.
  if (atLeast(version, '2.1.3')) cluster.catalog.checkDecommission(tags, available);
  for (const be of list) {
    be.decommissioned = true;
    cluster.record(`backend ${be.id} (${be.host}:${be.heartbeatPort}) decommission started`, by);
  }
}
