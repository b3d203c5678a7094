/**
 * The official k8s entrypoints (fe_entrypoint.sh, be_entrypoint.sh, broker_entrypoint.sh), run
 * against the simulated FEs through the same SQL path a mysql client takes, so auth failures,
 * missing masters and refused statements behave as they do for the real scripts:
 * - FE with existing meta starts at once; otherwise it looks for a master through ENV_FE_ADDR
 *   (pod 0 for `masterProbeMs`, then founds a cluster alone; others for `joinProbeMs`, then exit 1
 *   and are restarted), creates the management account, adds itself as FOLLOWER when
 *   ELECT_NUMBER > ordinal (else OBSERVER) unless already listed, and starts with `--helper`.
 * - BE: `ADD BACKEND` unless SHOW BACKENDS lists it, then starts (nothing re-enables a drained node).
 * - Broker: `ADD BROKER` unless SHOW BROKER lists it, then starts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Member } from './member.ts';
import { clientSql, ensureAccount, findMasterThrough } from './script-client.ts';
import type { Simulator } from './simulator.ts';
import { beStartRefusal, feStartRefusal } from './start-scripts.ts';

class Crash extends Error {}

export async function runEntrypoint(sim: Simulator, m: Member, signal: AbortSignal): Promise<void> {
  if (m.spec.initError !== undefined) {
    // The kubelet restarts a failing init container forever; the main container never runs.
    sim.record(m, `${m.spec.initError}; the pod stays in Init`);
    return;
  }
  for (;;) {
    // The kubelet's startup probe: a container whose ports are not open within the budget is
    // killed and started again (its entrypoint runs anew), however far its start had come.
    const container = new AbortController();
    const stop = () => container.abort();
    signal.addEventListener('abort', stop, { once: true });
    const budget = m.spec.startupBudgetMs;
    let probeKilled = false;
    const probe =
      budget === undefined
        ? undefined
        : setTimeout(() => {
            if (m.shouldListen()) return;
            probeKilled = true;
            container.abort();
          }, budget);
    try {
      if (m.spec.kind === 'fe') await feEntrypoint(sim, m, container.signal);
      else await registerAndStart(sim, m, container.signal);
      if (!probeKilled) return;
    } catch (err) {
      if (signal.aborted) return;
      if (!probeKilled) {
        if (!(err instanceof Crash)) throw err;
        sim.record(m, `entrypoint exited 1: ${err.message}; the container restarts`);
      }
    } finally {
      clearTimeout(probe);
      signal.removeEventListener('abort', stop);
    }
    if (signal.aborted) return;
    if (probeKilled) {
      m.killed(
        `the startup probe failed for ${Math.round((budget ?? 0) / 1000)} s: the kubelet kills the container`,
      );
      m.state = 'starting';
    }
    await sleep(sim.timing.retryMs * 5, undefined, { signal }).catch(() => {});
    if (signal.aborted) return;
  }
}

async function feEntrypoint(sim: Simulator, m: Member, signal: AbortSignal): Promise<void> {
  const meta = sim.metaOf(m.spec.storageId);
  if (meta !== undefined) {
    // doris-meta/image/ROLE exists: start_fe.sh --console with the existing meta. A node the
    // cluster dropped meanwhile exits at start: "current node ... is not added to the cluster, will
    // exit" (Env.checkCurrentNodeExist, Env.java L1873-1890), so its pod crash-loops.
    if (sim.clusters.get(meta.cluster)?.frontends.byName(meta.name) === undefined)
      throw new Crash(`current node ${m.spec.host} is not added to the cluster, will exit`);
    // A damaged image or BDB environment: Env.initialize throws and DorisFE.start exits
    // (`System.exit(-1)` on any Throwable, fe/fe-core/.../DorisFE.java); only new storage helps.
    if (sim.damagedMeta.has(m.spec.storageId))
      throw new Crash('failed to load the metadata image: the doris-meta volume is damaged, exit');
    // `./doris-debug --component fe` runs only on this path (fe_entrypoint.sh, with meta).
    if (await debugged(sim, m, signal)) return;
    crashIfFaulted(sim, m);
    refuseBadStart(m);
    await sim.startFrontend(m, meta.cluster, meta.name, signal);
    return;
  }
  const waitMs = m.spec.ordinal === 0 ? sim.timing.masterProbeMs : sim.timing.joinProbeMs;
  const deadline = Date.now() + waitMs;
  let target: Member | undefined;
  while (!signal.aborted) {
    target = await findMasterThrough(sim, m);
    if (target !== undefined || Date.now() > deadline) break;
    await sleep(sim.timing.retryMs, undefined, { signal }).catch(() => {});
  }
  if (signal.aborted) return;
  if (target === undefined) {
    if (m.spec.ordinal !== 0) throw new Crash('no master found through ENV_FE_ADDR');
    refuseBadStart(m);
    await sim.foundCluster(m, signal);
    return;
  }
  const cluster = target.cluster;
  if (cluster === undefined) throw new Crash('the FE answering has no cluster');
  ensureAccount(sim, m, target);
  const port = m.ports.editLog;
  const addDeadline = Date.now() + 30_000;
  while (cluster.frontends.find(m.spec.host, port) === undefined) {
    if (signal.aborted) return;
    const electNumber = Number(m.spec.env.ELECT_NUMBER ?? 3);
    const role = electNumber > m.spec.ordinal ? 'FOLLOWER' : 'OBSERVER';
    clientSql(sim, m, target, `ALTER SYSTEM ADD ${role} "${m.spec.host}:${port}"`);
    if (cluster.frontends.find(m.spec.host, port) !== undefined) break;
    if (Date.now() > addDeadline) throw new Crash(`could not add ${m.spec.host}:${port}`);
    await sleep(sim.timing.retryMs, undefined, { signal }).catch(() => {});
  }
  const fe = cluster.frontends.find(m.spec.host, port);
  if (fe === undefined) return;
  // start_fe.sh --helper <master>:9010: the helper tells the new node its name.
  crashIfFaulted(sim, m);
  refuseBadStart(m);
  await sim.startFrontend(m, cluster.key, fe.name, signal);
}

/**
 * start_fe.sh / start_be.sh exit before the process starts when the conf file or the host would
 * not do (start-scripts.ts); the container restarts and runs the entrypoint again.
 */
function refuseBadStart(m: Member): void {
  const why =
    m.spec.kind === 'fe'
      ? feStartRefusal(m.spec)
      : m.spec.kind === 'be' && m.spec.hostView !== undefined
        ? beStartRefusal(m.spec, m.spec.hostView)
        : undefined;
  if (why !== undefined) throw new Crash(`start script: ${why}`);
}

/**
 * The images' debug run mode: `./doris-debug` (apache/doris-operator cmd/doris-debug) reads
 * /etc/podinfo/annotations and, when `selectdb.com.doris/runmode` (or `apache.org.doris/runmode`,
 * operator 25.5.2+) is `debug`, serves forever instead of returning: Doris never starts, the
 * container stays up for a person to exec into. True when it held the member until the pod went.
 */
async function debugged(sim: Simulator, m: Member, signal: AbortSignal): Promise<boolean> {
  const a = m.spec.annotations ?? {};
  if (a['selectdb.com.doris/runmode'] !== 'debug' && a['apache.org.doris/runmode'] !== 'debug') return false;
  sim.record(m, `start component ${m.spec.kind} for debugging.....`);
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  return true;
}

/** Control API fault: the process exits as soon as it starts (a bad config, a full disk): a crash loop. */
function crashIfFaulted(sim: Simulator, m: Member): void {
  if (sim.crashLooping.has(m.spec.key)) throw new Crash('the process exited at start (crash-loop fault)');
}

/**
 * be_entrypoint.sh / broker_entrypoint.sh registration (2.1 L146-200, same in 3.0): with a master,
 * ADD until listed, giving up after 60 s and starting anyway; with no master it loops forever
 * (`sleep 2`, no timeout), so the process never starts.
 */
async function registerAndStart(sim: Simulator, m: Member, signal: AbortSignal): Promise<void> {
  let deadline = Number.POSITIVE_INFINITY;
  const isBe = m.spec.kind === 'be';
  const hostPort = `${m.spec.host}:${isBe ? m.ports.heartbeat : m.ports.brokerIpc}`;
  const brokerName = m.spec.env.BROKER_NAME ?? 'broker';
  while (!signal.aborted && Date.now() < deadline) {
    // Only an FE that lists a master answers (a follower forwards to the master, and fails without one).
    const target = await findMasterThrough(sim, m);
    if (target !== undefined) {
      if (deadline === Number.POSITIVE_INFINITY) deadline = Date.now() + sim.timing.registerTimeoutMs;
      const shown = clientSql(sim, m, target, isBe ? 'SHOW BACKENDS' : 'SHOW BROKER');
      const listed = shown.rows?.some((r) => r.Host === m.spec.host || r.Host === m.spec.ip) ?? false;
      // be_entrypoint.sh (branch-2.1 and 3.0) only checks that it is listed: a drained node stays
      // drained across restarts (docker/runtime/be/resource/be_entrypoint.sh).
      if (listed) break;
      if (shown.rows !== undefined) {
        ensureAccount(sim, m, target);
        const group = m.spec.env.COMPUTE_GROUP_NAME;
        clientSql(
          sim,
          m,
          target,
          isBe
            ? `ALTER SYSTEM ADD BACKEND "${hostPort}"${group === undefined ? '' : ` properties("tag.compute_group_name"="${group}")`}`
            : `ALTER SYSTEM ADD BROKER ${brokerName} "${hostPort}"`,
        );
      }
    }
    await sleep(sim.timing.retryMs, undefined, { signal }).catch(() => {});
  }
  // be_entrypoint.sh runs `./doris-debug --component be`, then `start_be.sh --console`, which
  // checks the host first.
  if (isBe && (await debugged(sim, m, signal))) return;
  refuseBadStart(m);
  await sleep(sim.timing.processStartMs, undefined, { signal }).catch(() => {});
  if (signal.aborted) return;
  m.started(Date.now());
  await m.sync();
}
