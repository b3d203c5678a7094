import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Component } from '../../api/v1alpha1/index.ts';
import { withDefaults } from '../../api/v1alpha1/index.ts';
import type { Backend, Frontend } from '../../doris/rows.ts';
import type { DorisView, PodView } from '../observe.ts';
import { decisionEvents, nextFailures } from './failover.ts';
import { growthSteps, plan } from './index.ts';
import { buildMembers } from './members.ts';
import type { Operation, PlanInput, Step } from './types.ts';

const ns = 'ns';
const host = (c: Component, i: number) => `doris-${c}-${i}.doris-${c}-internal.${ns}.svc.cluster.local`;
const image = {
  fe: 'apache/doris:fe-2.1.7',
  be: 'apache/doris:be-2.1.7',
  cn: 'apache/doris:be-2.1.7',
  broker: 'apache/doris:broker-2.1.7',
};

function pods(c: Component, n: number, over: Partial<PodView> = {}): PodView[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `doris-${c}-${i}`,
    ordinal: i,
    ip: `127.0.${i}.1`,
    ready: true,
    deleting: false,
    image: image[c],
    templateHash: 'h',
    uid: `${c}${i}`,
    scheduled: true,
    ...over,
  }));
}

function fe(i: number, over: Partial<Frontend> = {}): Frontend {
  return {
    name: `fe_${i}`,
    host: host('fe', i),
    editLogPort: 9010,
    role: i < 3 ? 'FOLLOWER' : 'OBSERVER',
    isMaster: i === 0,
    join: true,
    alive: true,
    replayedJournalId: 10,
    isHelper: i < 3,
    errMsg: '',
    version: 'doris-2.1.7',
    ...over,
  };
}

function be(c: 'be' | 'cn', i: number, over: Partial<Backend> = {}): Backend {
  return {
    id: `${10000 + i}`,
    host: host(c, i),
    heartbeatPort: 9050,
    alive: true,
    decommissioned: false,
    tabletNum: c === 'be' ? 10 : 0,
    errMsg: '',
    version: 'doris-2.1.7',
    nodeRole: c === 'be' ? 'mix' : 'computation',
    heartbeatFailures: 0,
    queryDisabled: false,
    loadDisabled: false,
    ...over,
  };
}

const balanceOff = {
  disable_balance: false,
  disable_tablet_scheduler: false,
  disable_colocate_balance: false,
};
const balanceOn = { disable_balance: true, disable_tablet_scheduler: true, disable_colocate_balance: true };

interface Shape {
  fe?: number;
  be?: number;
  cn?: number;
  specFe?: number;
  specBe?: number;
  specCn?: number;
  paused?: boolean;
}

/** A cluster at rest with `shape` members, in Kubernetes and in Doris. */
function input(shape: Shape, over: Partial<PlanInput> = {}): PlanInput {
  const n = { fe: shape.fe ?? 3, be: shape.be ?? 3, cn: shape.cn ?? 0 };
  const spec = withDefaults({
    version: '2.1.7',
    fe: { replicas: shape.specFe ?? n.fe, electionNumber: 3 },
    be: { replicas: shape.specBe ?? n.be },
    ...(n.cn > 0 || shape.specCn !== undefined ? { cn: { replicas: shape.specCn ?? n.cn } } : {}),
    rollout: { paused: shape.paused ?? false },
  });
  const backends = [
    ...Array.from({ length: n.be }, (_, i) => be('be', i)),
    ...Array.from({ length: n.cn }, (_, i) => be('cn', i)),
  ];
  const doris: DorisView = {
    known: true,
    frontends: Array.from({ length: n.fe }, (_, i) => fe(i)),
    backends,
    brokers: [],
    master: host('fe', 0),
    balance: balanceOff,
    dropsDecommissioned: true,
    pendingWal: new Map(backends.map((b) => [`${b.host}:${b.heartbeatPort}`, 0])),
  };
  return {
    cluster: 'doris',
    namespace: ns,
    spec,
    statefulSets: {
      fe: { replicas: n.fe },
      be: { replicas: n.be },
      ...(n.cn > 0 || shape.specCn !== undefined ? { cn: { replicas: n.cn } } : {}),
    },
    pods: { fe: pods('fe', n.fe), be: pods('be', n.be), cn: pods('cn', n.cn), broker: [] },
    target: {
      fe: { image: image.fe, templateHash: 'h' },
      be: { image: image.be, templateHash: 'h' },
      ...(spec.cn ? { cn: { image: image.cn, templateHash: 'h' } } : {}),
    },
    doris,
    balanceDisabledByOperator: false,
    now: new Date('2026-01-01T00:10:00Z'),
    ...over,
  };
}

const withBackends = (i: PlanInput, f: (b: Backend) => Backend): PlanInput =>
  i.doris.known ? { ...i, doris: { ...i.doris, backends: i.doris.backends.map(f) } } : i;
const opOn = (member: string, minutesAgo: number, type: Operation['type'] = 'ScaleIn'): Operation => ({
  type,
  component: 'be',
  member,
  startedAt: '2026-01-01T00:00:00Z',
  memberStartedAt: new Date(Date.parse('2026-01-01T00:10:00Z') - minutesAgo * 60_000).toISOString(),
});

/** The plan of `i`, compactly. */
const describePlan = (i: PlanInput): string => describe(plan(i));

/** A compact description of a step, for table assertions. */
function describe(step: Step | undefined): string {
  if (step === undefined) return 'none';
  switch (step.kind) {
    case 'scale':
      return `scale ${step.component} ${step.replicas}`;
    case 'sql':
      return `sql ${step.action.op}${'hostPort' in step.action ? ` ${step.action.hostPort.split('.')[0]}` : ''}${step.action.op === 'setBalance' ? ` ${step.action.disabled}` : ''}`;
    case 'deletePod':
      return `delete ${step.pod}`;
    case 'replaceStorage':
      return `replace ${step.member}${step.pod ? ' +pod' : ''} ${step.claims.map((c) => c.name).join(',')}`;
    case 'wait':
      return `wait${step.problem ? ' PROBLEM' : ''}`;
    case 'removeComponent':
      return `remove ${step.component}`;
  }
}

/** A BE upgrade to 2.1.8 in progress: balancing paused by the operator, every BE still on 2.1.7. */
function beUpgrade(over: Partial<PlanInput> = {}): PlanInput {
  const i = input(
    {},
    {
      target: { ...input({}).target, be: { image: 'apache/doris:be-2.1.8', templateHash: 'h' } },
      balanceDisabledByOperator: true,
      ...over,
    },
  );
  return i.doris.known ? { ...i, doris: { ...i.doris, balance: balanceOn } } : i;
}
const restartOf = (member: string, podUid: string, lastStartTime = '2026-01-01 00:00:00'): Operation => ({
  ...opOn(member, 1, 'Upgrade'),
  podUid,
  lastStartTime,
});
const withPods = (i: PlanInput, c: Component, f: (p: PodView[]) => PodView[]): PlanInput => ({
  ...i,
  pods: { ...i.pods, [c]: f([...i.pods[c]]) },
});
/** be-2 restarted onto 2.1.8: new pod `be2-new`; Doris row as `row` says. */
function be2Back(row: Partial<Backend>): PlanInput {
  const i = withPods(beUpgrade({ operation: restartOf('doris-be-2', 'be2') }), 'be', (ps) =>
    ps.map((p) => (p.ordinal === 2 ? { ...p, uid: 'be2-new', image: 'apache/doris:be-2.1.8' } : p)),
  );
  return withBackends(i, (b) =>
    b.host === host('be', 2) ? { ...b, lastStartTime: '2026-01-01 00:00:00', ...row } : b,
  );
}

const cases: { name: string; input: PlanInput; want: string }[] = [
  { name: 'at rest: nothing', input: input({}), want: 'none' },
  { name: 'no StatefulSets: FE first', input: input({}, { statefulSets: {} }), want: 'scale fe 3' },
  { name: 'BE scale-out is immediate', input: input({ specBe: 5 }), want: 'scale be 5' },
  {
    name: 'BE scale-in decommissions the highest ordinal',
    input: input({ be: 4, specBe: 3 }),
    want: 'sql decommission doris-be-3',
  },
  {
    name: 'BE scale-in with Doris unknown does nothing destructive (S3)',
    input: input({ be: 4, specBe: 3 }, { doris: { known: false, reason: 'FE unreachable' } }),
    want: 'wait PROBLEM',
  },
  {
    name: 'decommissioning: wait',
    input: withBackends(input({ be: 4, specBe: 3 }, { operation: opOn('doris-be-3', 1) }), (b) =>
      b.host === host('be', 3) ? { ...b, decommissioned: true, tabletNum: 5 } : b,
    ),
    want: 'wait',
  },
  {
    name: 'decommission stalled past the member timeout: Degraded, still never forced (S1)',
    input: withBackends(input({ be: 4, specBe: 3 }, { operation: opOn('doris-be-3', 31) }), (b) =>
      b.host === host('be', 3) ? { ...b, decommissioned: true, tabletNum: 5 } : b,
    ),
    want: 'wait PROBLEM',
  },
  {
    name: 'decommissioned and empty: Doris drops the row itself (drop_backend_after_decommission)',
    input: withBackends(input({ be: 4, specBe: 3 }), (b) =>
      b.host === host('be', 3) ? { ...b, decommissioned: true, tabletNum: 0 } : b,
    ),
    want: 'wait',
  },
  {
    name: 'decommissioned and empty, drop_backend_after_decommission=false: DROPP the empty row',
    input: (() => {
      const i = withBackends(input({ be: 4, specBe: 3 }), (b) =>
        b.host === host('be', 3) ? { ...b, decommissioned: true, tabletNum: 0 } : b,
      );
      return i.doris.known ? { ...i, doris: { ...i.doris, dropsDecommissioned: false } } : i;
    })(),
    want: 'sql dropBackend doris-be-3',
  },
  ...(
    [
      ['group-commit WALs still pending on it', { pendingWal: 3 }],
      ['its group-commit WALs could not be counted', { pendingWal: undefined }],
      ['it is dead, so its group-commit WALs cannot be counted', { alive: false }],
    ] as const
  ).map(([why, over]) => ({
    name: `decommissioned and empty, drop_backend_after_decommission=false, but ${why}: wait, no DROPP`,
    input: (() => {
      const i = withBackends(input({ be: 4, specBe: 3 }), (b) =>
        b.host === host('be', 3)
          ? { ...b, decommissioned: true, tabletNum: 0, alive: 'alive' in over ? over.alive : true }
          : b,
      );
      if (!i.doris.known) return i;
      const pendingWal = new Map(i.doris.pendingWal);
      const key = `${host('be', 3)}:9050`;
      if ('pendingWal' in over && over.pendingWal === undefined) pendingWal.delete(key);
      else if ('pendingWal' in over) pendingWal.set(key, over.pendingWal);
      return { ...i, doris: { ...i.doris, dropsDecommissioned: false, pendingWal } };
    })(),
    want: 'wait',
  })),
  {
    name: 'row gone from SHOW BACKENDS: shrink the StatefulSet',
    input: (() => {
      const i = input({ be: 4, specBe: 3 });
      return i.doris.known
        ? { ...i, doris: { ...i.doris, backends: i.doris.backends.filter((b) => b.host !== host('be', 3)) } }
        : i;
    })(),
    want: 'scale be 3',
  },
  {
    name: 'scaled back up while decommissioning: cancel',
    input: withBackends(input({ be: 4, specBe: 4 }), (b) =>
      b.host === host('be', 3) ? { ...b, decommissioned: true, tabletNum: 5 } : b,
    ),
    want: 'sql cancelDecommission doris-be-3',
  },
  {
    name: 'FE scale-in drops the observer (S2)',
    input: input({ fe: 4, specFe: 3 }),
    want: 'sql dropFrontend doris-fe-3',
  },
  {
    name: 'a follower is never dropped (S2)',
    input: (() => {
      const i = input({ fe: 4, specFe: 3 });
      return i.doris.known
        ? {
            ...i,
            doris: {
              ...i.doris,
              frontends: i.doris.frontends.map((f) => ({ ...f, role: 'FOLLOWER' as const })),
            },
          }
        : i;
    })(),
    want: 'wait PROBLEM',
  },
  { name: 'paused: no scale-in', input: input({ be: 4, specBe: 3, paused: true }), want: 'wait' },
  {
    name: 'CN scale-in: stop new queries first',
    input: input({ cn: 2, specCn: 1 }),
    want: 'sql disableQuery doris-cn-1',
  },
  {
    name: 'CN draining: wait',
    input: withBackends(
      input({ cn: 2, specCn: 1 }, { operation: { ...opOn('doris-cn-1', 0.1), component: 'cn' } }),
      (b) => (b.host === host('cn', 1) ? { ...b, queryDisabled: true } : b),
    ),
    want: 'wait',
  },
  {
    name: 'a drained CN wanted again (scale-in undone) serves queries and loads again',
    input: withBackends(input({ cn: 2, specCn: 2 }), (b) =>
      b.host === host('cn', 1) ? { ...b, queryDisabled: true, loadDisabled: true } : b,
    ),
    want: 'sql enableQuery doris-cn-1',
  },
  {
    name: 'CN drained: DROPP (it holds no tablets)',
    input: withBackends(
      input({ cn: 2, specCn: 1 }, { operation: { ...opOn('doris-cn-1', 1), component: 'cn' } }),
      (b) => (b.host === host('cn', 1) ? { ...b, queryDisabled: true } : b),
    ),
    want: 'sql dropBackend doris-cn-1',
  },
  {
    name: 'CN drained but group-commit WALs pending on it: wait',
    input: (() => {
      const i = withBackends(
        input({ cn: 2, specCn: 1 }, { operation: { ...opOn('doris-cn-1', 1), component: 'cn' } }),
        (b) => (b.host === host('cn', 1) ? { ...b, queryDisabled: true } : b),
      );
      return i.doris.known
        ? { ...i, doris: { ...i.doris, pendingWal: new Map([[`${host('cn', 1)}:9050`, 2]]) } }
        : i;
    })(),
    want: 'wait',
  },
  {
    name: 'CN drained and dead: DROPP (nothing to replay its WALs into)',
    input: withBackends(
      input({ cn: 2, specCn: 1 }, { operation: { ...opOn('doris-cn-1', 1), component: 'cn' } }),
      (b) => (b.host === host('cn', 1) ? { ...b, queryDisabled: true, alive: false } : b),
    ),
    want: 'sql dropBackend doris-cn-1',
  },
  {
    name: 'cn removed from the spec: drained like any scale-in, highest ordinal first',
    input: input(
      { cn: 2 },
      {
        spec: withDefaults({ version: '2.1.7', fe: { replicas: 3, electionNumber: 3 }, be: { replicas: 3 } }),
      },
    ),
    want: 'sql disableQuery doris-cn-1',
  },
  {
    name: 'cn removed from the spec, every member out and its pods gone: remove the component',
    input: (() => {
      const i = input(
        { cn: 0 },
        {
          spec: withDefaults({
            version: '2.1.7',
            fe: { replicas: 3, electionNumber: 3 },
            be: { replicas: 3 },
          }),
        },
      );
      return { ...i, statefulSets: { ...i.statefulSets, cn: { replicas: 0 } } };
    })(),
    want: 'remove cn',
  },
  {
    name: 'upgrade: balancing off before the first BE (S6)',
    input: input(
      {},
      { target: { ...input({}).target, be: { image: 'apache/doris:be-2.1.8', templateHash: 'h' } } },
    ),
    want: 'sql setBalance true',
  },
  {
    name: 'upgrade: BEs lowest ordinal first once balancing is off',
    input: (() => {
      const i = input(
        {},
        {
          target: { ...input({}).target, be: { image: 'apache/doris:be-2.1.8', templateHash: 'h' } },
          balanceDisabledByOperator: true,
        },
      );
      return i.doris.known ? { ...i, doris: { ...i.doris, balance: balanceOn } } : i;
    })(),
    want: 'delete doris-be-0',
  },
  {
    name: 'upgrade: the restarted BE must be alive with the new version before the next',
    input: (() => {
      const i = input(
        {},
        {
          target: { ...input({}).target, be: { image: 'apache/doris:be-2.1.8', templateHash: 'h' } },
          balanceDisabledByOperator: true,
        },
      );
      const p = {
        ...i.pods,
        be: i.pods.be.map((x) => (x.ordinal === 2 ? { ...x, image: 'apache/doris:be-2.1.8' } : x)),
      };
      return i.doris.known ? { ...i, pods: p, doris: { ...i.doris, balance: balanceOn } } : i;
    })(),
    want: 'wait',
  },
  {
    name: 'upgrade: BE phase over: balancing back on before the FE phase',
    input: (() => {
      const target = {
        fe: { image: 'apache/doris:fe-2.1.8', templateHash: 'h' },
        be: { image: 'apache/doris:be-2.1.8', templateHash: 'h' },
      };
      const i = input({}, { target, balanceDisabledByOperator: true });
      const p = { ...i.pods, be: i.pods.be.map((x) => ({ ...x, image: target.be.image })) };
      return withBackends(
        i.doris.known ? { ...i, pods: p, doris: { ...i.doris, balance: balanceOn } } : i,
        (b) => ({ ...b, version: 'doris-2.1.8' }),
      );
    })(),
    want: 'sql setBalance false',
  },
  {
    name: 'FE rollout: observers first',
    input: input(
      { fe: 4 },
      { target: { ...input({}).target, fe: { image: 'apache/doris:fe-2.1.7', templateHash: 'new' } } },
    ),
    want: 'delete doris-fe-3',
  },
  {
    name: 'FE rollout: the master last',
    input: (() => {
      const i = input(
        {},
        { target: { ...input({}).target, fe: { image: 'apache/doris:fe-2.1.7', templateHash: 'new' } } },
      );
      const p = {
        ...i.pods,
        fe: i.pods.fe.map((x) => (x.ordinal === 1 || x.ordinal === 2 ? { ...x, templateHash: 'new' } : x)),
      };
      return { ...i, pods: p };
    })(),
    want: 'delete doris-fe-0',
  },
  {
    name: 'rollout waits while any member is down (S4)',
    input: (() => {
      const i = input(
        {},
        { target: { ...input({}).target, fe: { image: 'apache/doris:fe-2.1.7', templateHash: 'new' } } },
      );
      return withBackends(i, (b) => (b.host === host('be', 0) ? { ...b, alive: false } : b));
    })(),
    want: 'wait',
  },
  {
    name: 'a member whose pod is gone is down: the next one waits (S4)',
    input: withPods(beUpgrade({ operation: restartOf('doris-be-2', 'be2') }), 'be', (ps) =>
      ps.filter((p) => p.ordinal !== 2),
    ),
    want: 'wait',
  },
  {
    name: 'a deleted pod still terminating is down: the next one waits (S4)',
    input: withPods(beUpgrade({ operation: restartOf('doris-be-2', 'be2') }), 'be', (ps) =>
      ps.map((p) => (p.ordinal === 2 ? { ...p, deleting: true, ready: false } : p)),
    ),
    want: 'wait',
  },
  {
    name: 'new pod Ready but Doris still shows the old process (same start time): wait',
    input: be2Back({ version: 'doris-2.1.7' }),
    want: 'wait',
  },
  {
    name: 'new pod Ready, Doris alive with the old start time and new version: still wait',
    input: be2Back({ version: 'doris-2.1.8' }),
    want: 'wait',
  },
  {
    name: 'new pod, new start time, new version: the next BE restarts',
    input: be2Back({ version: 'doris-2.1.8', lastStartTime: '2026-01-01 00:00:09' }),
    want: 'delete doris-be-0',
  },
  {
    name: 'new start time but not alive yet: wait',
    input: be2Back({ version: 'doris-2.1.8', lastStartTime: '2026-01-01 00:00:09', alive: false }),
    want: 'wait',
  },
  {
    name: 'restart recorded but the pod was never deleted (operator killed in between): delete it',
    input: beUpgrade({ operation: restartOf('doris-be-2', 'be2') }),
    want: 'delete doris-be-2',
  },
  {
    name: 'restart unconfirmed past the member timeout: Degraded, nothing else moves',
    input: withPods(
      beUpgrade({
        operation: { ...restartOf('doris-be-2', 'be2'), ...opOn('doris-be-2', 31, 'Upgrade') },
      }),
      'be',
      (ps) => ps.filter((p) => p.ordinal !== 2),
    ),
    want: 'wait PROBLEM',
  },
  {
    name: 'an FE down blocks the BE rollout too (one member of the cluster at a time)',
    input: withPods(beUpgrade(), 'fe', (ps) => ps.filter((p) => p.ordinal !== 1)),
    want: 'wait',
  },
  {
    name: 'a new member Doris does not list yet (no pod) does not block a restart',
    input: (() => {
      const i = beUpgrade({ statefulSets: { fe: { replicas: 3 }, be: { replicas: 4 } } });
      return { ...i, spec: { ...i.spec, be: { ...i.spec.be, replicas: 4 } } };
    })(),
    want: 'delete doris-be-0',
  },
  {
    name: 'a BE down blocks a decommission of another (S4)',
    input: withBackends(input({ be: 4, specBe: 3 }), (b) =>
      b.host === host('be', 0) ? { ...b, alive: false } : b,
    ),
    want: 'wait',
  },
  {
    name: 'a scale-in held by a down BE past the member timeout: Degraded, still held',
    input: withBackends(input({ be: 4, specBe: 3 }, { operation: opOn('doris-be-3', 31) }), (b) =>
      b.host === host('be', 0) ? { ...b, alive: false } : b,
    ),
    want: 'wait PROBLEM',
  },
  {
    name: 'the member a scale-in is about may be down (its row is gone): shrink',
    input: (() => {
      const i = withPods(input({ be: 4, specBe: 3 }), 'be', (ps) =>
        ps.map((p) => (p.ordinal === 3 ? { ...p, ready: false } : p)),
      );
      return i.doris.known
        ? { ...i, doris: { ...i.doris, backends: i.doris.backends.filter((b) => b.host !== host('be', 3)) } }
        : i;
    })(),
    want: 'scale be 3',
  },
  {
    name: 'balancing half paused (killed between statements): pause all three again',
    input: (() => {
      const i = beUpgrade();
      return i.doris.known
        ? { ...i, doris: { ...i.doris, balance: { ...balanceOn, disable_tablet_scheduler: false } } }
        : i;
    })(),
    want: 'sql setBalance true',
  },
  {
    name: 'balancing half resumed (killed between statements): resume all three',
    input: (() => {
      const i = input({}, { balanceDisabledByOperator: true });
      return i.doris.known
        ? { ...i, doris: { ...i.doris, balance: { ...balanceOff, disable_tablet_scheduler: true } } }
        : i;
    })(),
    want: 'sql setBalance false',
  },
  {
    name: 'balancing is not turned back on while a BE is down',
    input: (() => {
      const i = withBackends(input({}, { balanceDisabledByOperator: true }), (b) =>
        b.host === host('be', 1) ? { ...b, alive: false } : b,
      );
      return i.doris.known ? { ...i, doris: { ...i.doris, balance: balanceOn } } : i;
    })(),
    want: 'wait',
  },
  {
    name: 'members registered under another cluster domain are matched: BE scale-in decommissions (S1)',
    input: (() => {
      const i = input({ be: 4, specBe: 3 });
      const other = (h: string) => h.replace('.cluster.local', '.example.local');
      return i.doris.known
        ? {
            ...i,
            doris: {
              ...i.doris,
              master: other(i.doris.master),
              frontends: i.doris.frontends.map((f) => ({ ...f, host: other(f.host) })),
              backends: i.doris.backends.map((b) => ({ ...b, host: other(b.host) })),
            },
          }
        : i;
    })(),
    want: 'sql decommission doris-be-3',
  },
  {
    name: 'a backend row no member matches blocks every BE removal (unknown is not absent, S3)',
    input: (() => {
      const i = input({ be: 4, specBe: 3 });
      return i.doris.known
        ? {
            ...i,
            doris: {
              ...i.doris,
              backends: [
                ...i.doris.backends.filter((b) => b.host !== host('be', 3)),
                be('be', 3, { host: '10.9.9.9' }),
              ],
            },
          }
        : i;
    })(),
    want: 'wait PROBLEM',
  },
  {
    name: 'a stray observer registration is dropped',
    input: (() => {
      const i = input({});
      return i.doris.known ? { ...i, doris: { ...i.doris, frontends: [...i.doris.frontends, fe(5)] } } : i;
    })(),
    want: 'sql dropFrontend doris-fe-5',
  },
  {
    name: 'a stray BE with tablets is decommissioned, never dropped (S1)',
    input: (() => {
      const i = input({});
      return i.doris.known
        ? { ...i, doris: { ...i.doris, backends: [...i.doris.backends, be('be', 7)] } }
        : i;
    })(),
    want: 'sql decommission doris-be-7',
  },
  {
    name: 'a stray follower is left alone (S2)',
    input: (() => {
      const i = input({});
      return i.doris.known
        ? { ...i, doris: { ...i.doris, frontends: [...i.doris.frontends, fe(6, { role: 'FOLLOWER' })] } }
        : i;
    })(),
    want: 'none',
  },
];

for (const c of cases) {
  test(`plan: ${c.name}`, () => {
    assert.equal(describe(plan(c.input)), c.want);
  });
}

// Failover of compute nodes (failover.ts): decisions recorded as failure records, then the count.
const cnFailed = (over: Partial<Backend> = {}) =>
  withBackends(input({ cn: 2 }), (b) =>
    b.host === host('cn', 1) ? { ...b, alive: false, lastStartTime: '2026-01-01 00:00:00', ...over } : b,
  );
const failuresNow = (i: PlanInput) => nextFailures(i, buildMembers(i)).cn ?? [];

test('failover: a failed CN is recorded at once and replaced only after failover.period (1m)', () => {
  const first = failuresNow(cnFailed());
  assert.deepEqual(
    first.map((f) => [f.member, f.since, f.replacement]),
    [['doris-cn-1', '2026-01-01T00:10:00Z', undefined]],
  );
  const later = { ...cnFailed(), now: new Date('2026-01-01T00:11:01Z'), failures: { cn: first } };
  const decided = failuresNow(later);
  assert.equal(decided[0]?.replacement, 'doris-cn-2');
  assert.equal(describePlan({ ...later, failures: { cn: decided } }), 'scale cn 3');
});

test('failover: never while Doris is unknown (S3), not for a member that never ran, at most maxMembers, not with --no-failover', () => {
  const unknown = { ...cnFailed(), doris: { known: false as const, reason: 'no FE' } };
  assert.deepEqual(failuresNow(unknown), []);
  assert.deepEqual(failuresNow(withBackends(cnFailed(), (b) => ({ ...b, lastStartTime: undefined }))), []);
  const old = [{ member: 'doris-cn-1', since: '2026-01-01T00:00:00Z', reason: 'x' }];
  const capped = {
    ...cnFailed(),
    spec: withDefaults({
      version: '2.1.7',
      fe: { replicas: 3, electionNumber: 3 },
      be: { replicas: 3 },
      cn: { replicas: 2, failover: { maxMembers: 0 } },
    }),
    failures: { cn: old },
  };
  const f = failuresNow(capped);
  assert.equal(f[0]?.replacement, undefined);
  assert.match(f[0]?.message ?? '', /maxMembers is 0/);
  const off = nextFailures({ ...cnFailed(), failures: { cn: old } }, buildMembers(cnFailed()), false).cn;
  assert.equal(off?.[0]?.replacement, undefined);
  assert.match(off?.[0]?.message ?? '', /--no-failover/);
});

test('failover: the failed CN healthy again drops its record, and the replacement leaves by the scale-in path', () => {
  const healed = {
    ...input({ cn: 3, specCn: 2 }),
    failures: {
      cn: [{ member: 'doris-cn-1', since: '2026-01-01T00:00:00Z', reason: 'x', replacement: 'doris-cn-2' }],
    },
  };
  const next = failuresNow(healed);
  assert.deepEqual(next, []);
  assert.equal(describePlan({ ...healed, failures: { cn: next } }), 'sql disableQuery doris-cn-2');
});

test('failover: a BE back keeps its spare with recover: Manual, and loses it through decommission with Automatic once every BE is up', () => {
  const record = {
    member: 'doris-be-1',
    since: '2026-01-01T00:00:00Z',
    reason: 'x',
    replacement: 'doris-be-3',
  };
  const back = (recover: 'Manual' | 'Automatic'): PlanInput => ({
    ...input({ be: 4, specBe: 3 }),
    spec: withDefaults({
      version: '2.1.7',
      fe: { replicas: 3, electionNumber: 3 },
      be: { replicas: 3, failover: { recover } },
    }),
    failures: { be: [record] },
  });
  const manual = nextFailures(back('Manual'), buildMembers(back('Manual'))).be ?? [];
  assert.equal(manual[0]?.replacement, 'doris-be-3');
  assert.equal(manual[0]?.recoveredAt, '2026-01-01T00:10:00Z');
  assert.match(manual[0]?.message ?? '', /stays/);
  assert.equal(describePlan({ ...back('Manual'), failures: { be: manual } }), 'none');

  const auto = nextFailures(back('Automatic'), buildMembers(back('Automatic'))).be ?? [];
  assert.deepEqual(auto, []);
  assert.equal(describePlan({ ...back('Automatic'), failures: { be: auto } }), 'sql decommission doris-be-3');
});

test('growth: a new cluster gets every StatefulSet in one pass, none of them waiting for the FE', () => {
  const fresh = { ...input({ cn: 1 }), statefulSets: {}, pods: { fe: [], be: [], cn: [], broker: [] } };
  assert.deepEqual(growthSteps(fresh).map(describe), ['scale fe 3', 'scale be 3', 'scale cn 1']);
  assert.deepEqual(growthSteps(input({})), [], 'nothing to grow at rest');
});

/** doris-cn-0 dead in Doris after having run; and its failure record with doris-cn-2 in its place. */
const cn0Dead = (i: PlanInput) =>
  withBackends(i, (b) =>
    b.host === host('cn', 0) ? { ...b, alive: false, lastStartTime: '2026-01-01 00:00:00' } : b,
  );
const cn0Replaced = {
  member: 'doris-cn-0',
  since: '2026-01-01T00:00:00Z',
  reason: 'x',
  replacement: 'doris-cn-2',
};

test('failover and a scale-in asked together never overlap (S4): the scale-in waits while the failed member is down', () => {
  const failedCn = cn0Dead(input({ cn: 3, specCn: 1 }));
  const record = cn0Replaced;
  const i = { ...failedCn, failures: { cn: [record] } };
  const next = nextFailures(i, buildMembers(i)).cn ?? [];
  assert.equal(next[0]?.replacement, 'doris-cn-2', 'the replacement stays while cn-0 is down');
  assert.equal(describePlan({ ...i, failures: { cn: next } }), 'wait', 'no drain while a member is down');
});

// FE failover (fe-failover.ts): a failed FE is dropped from Doris and rebuilt on a new metadata claim.
const withFrontends = (i: PlanInput, f: (x: Frontend) => Frontend): PlanInput =>
  i.doris.known ? { ...i, doris: { ...i.doris, frontends: i.doris.frontends.map(f) } } : i;
const feDown = (i: PlanInput, ...ordinals: number[]): PlanInput => ({
  ...withFrontends(i, (x) =>
    ordinals.some((o) => x.host === host('fe', o))
      ? { ...x, alive: false, lastStartTime: '2026-01-01 00:00:00' }
      : { ...x, lastStartTime: '2026-01-01 00:00:00' },
  ),
  pods: { ...i.pods, fe: i.pods.fe.map((p) => (ordinals.includes(p.ordinal) ? { ...p, ready: false } : p)) },
  claims: Object.fromEntries(
    i.pods.fe.map((p) => [p.name, [{ name: `meta-${p.name}`, uid: `claim-${p.name}` }]]),
  ),
});
const feFailures = (i: PlanInput) => nextFailures(i, buildMembers(i)).fe ?? [];
/** `i` as the next pass sees it, `minutes` later, with this pass's failure records. */
const after = (i: PlanInput, minutes: number): PlanInput => {
  const later = { ...i, now: new Date(i.now.getTime() + minutes * 60_000) };
  return { ...later, failures: { ...i.failures, fe: feFailures(i) } };
};

test('FE failover: a failed observer is rebuilt after failover.period (5m): dropped, its claim and pod replaced, then awaited', () => {
  const failed = feDown(input({ fe: 4, specFe: 4 }), 3);
  assert.equal(feFailures(failed)[0]?.rebuiltAt, undefined, 'recorded, not acted on at once');
  const early = after(failed, 4);
  assert.equal(describePlan({ ...early, failures: { fe: feFailures(early) } }), 'none');
  const due = after(after(failed, 4), 1 + 1 / 60);
  const decided = feFailures(due);
  assert.equal(decided[0]?.rebuiltAt, '2026-01-01T00:15:01Z', 'a full period after the second recorded');
  const deciding = { ...due, failures: { fe: decided } };
  const drop = plan(deciding);
  assert.equal(describe(drop), 'sql dropFrontend doris-fe-3');
  assert.equal(drop?.kind === 'sql' && drop.action.op === 'dropFrontend' && drop.action.role, 'OBSERVER');
  const op: Operation = {
    type: 'Failover',
    component: 'fe',
    member: 'doris-fe-3',
    startedAt: '2026-01-01T00:15:00Z',
    memberStartedAt: '2026-01-01T00:15:00Z',
    podUid: 'fe3',
    claimUids: ['claim-doris-fe-3'],
  };
  const dropped = withFrontends({ ...deciding, operation: op }, (x) => x);
  const gone = dropped.doris.known
    ? { ...dropped, doris: { ...dropped.doris, frontends: dropped.doris.frontends.slice(0, 3) } }
    : dropped;
  assert.equal(describePlan(gone), 'replace doris-fe-3 +pod meta-doris-fe-3');
  assert.equal(
    describePlan(dropped),
    'sql dropFrontend doris-fe-3',
    'listed with its old claim: dropped (again)',
  );
  const fresh = {
    ...gone,
    claims: { ...gone.claims, 'doris-fe-3': [{ name: 'meta-doris-fe-3', uid: 'new' }] },
    pods: { ...gone.pods, fe: gone.pods.fe.map((p) => (p.ordinal === 3 ? { ...p, uid: 'new' } : p)) },
  };
  const awaiting = plan(fresh);
  assert.equal(describe(awaiting), 'wait', 'a new claim and pod: waits for it to rejoin');
  assert.equal(awaiting?.kind === 'wait' && awaiting.operation?.type, 'Failover');
  assert.equal(
    describePlan({ ...input({ fe: 4, specFe: 4 }), operation: op, failures: { fe: decided } }),
    'none',
  );
  assert.deepEqual(
    feFailures({ ...input({ fe: 4, specFe: 4 }), failures: { fe: decided } }),
    [],
    'back: record gone',
  );
});

test('FE failover: a follower is rebuilt only while the other followers keep a majority (S2), one FE at a time (S4)', () => {
  const one = after(feDown(input({}), 2), 5 + 1 / 60);
  const decided = feFailures(one);
  assert.equal(decided[0]?.rebuiltAt !== undefined, true);
  assert.equal(describePlan({ ...one, failures: { fe: decided } }), 'sql dropFrontend doris-fe-2');

  const two = after(feDown(input({}), 1, 2), 5 + 1 / 60);
  const held = feFailures(two);
  assert.deepEqual(
    held.map((f) => f.rebuiltAt),
    [undefined, undefined],
  );
  assert.match(held[0]?.message ?? '', /not rebuilt: only 1 of the other 2 followers are alive/);
  assert.equal(describePlan({ ...two, failures: { fe: held } }), 'none');

  const five = after(feDown(input({ fe: 5, specFe: 5 }), 3, 4), 5 + 1 / 60);
  const turns = feFailures(five);
  assert.deepEqual(
    turns.map((f) => [f.member, f.rebuiltAt !== undefined]),
    [
      ['doris-fe-3', true],
      ['doris-fe-4', false],
    ],
  );
  assert.match(turns[1]?.message ?? '', /one FE at a time \(doris-fe-3 first\)/);
  assert.equal(
    describePlan({ ...five, failures: { fe: turns } }),
    'sql dropFrontend doris-fe-3',
    'the other failed observer does not hold the failover step',
  );
});

test('FE failover: never while Doris is unknown (S3); not during a member restart within memberTimeoutSeconds; off when disabled', () => {
  const failed = feDown(input({}), 2);
  const unknown = { ...failed, doris: { known: false as const, reason: 'no master' } };
  const old = [{ member: 'doris-fe-2', since: '2026-01-01T00:00:00Z', reason: 'x' }];
  const kept = feFailures({ ...unknown, failures: { fe: old } });
  assert.equal(kept[0]?.rebuiltAt, undefined);
  assert.match(kept[0]?.message ?? '', /Doris cannot be seen: no master/);
  const restarting = {
    ...failed,
    operation: { ...opOn('doris-fe-2', 1, 'Upgrade'), component: 'fe' as const },
  };
  assert.deepEqual(feFailures(restarting), [], 'a restart under way is not a failure');
  const stuck = {
    ...restarting,
    operation: { ...restarting.operation, memberStartedAt: '2025-12-31T23:00:00Z' },
  };
  assert.equal(feFailures(stuck)[0]?.member, 'doris-fe-2', 'a restart stuck past memberTimeoutSeconds is');
  const off = {
    ...failed,
    spec: withDefaults({
      version: '2.1.7',
      fe: { replicas: 3, failover: { enabled: false } },
      be: { replicas: 3 },
    }),
    failures: { fe: old },
  };
  assert.match(feFailures(off)[0]?.message ?? '', /failover.enabled: false/);
});

test('failover: a compute node dead for good (its pod unplaceable) whose replacement serves has its registration dropped; a pod being recreated or placed keeps it', () => {
  const base = cn0Dead(input({ cn: 3, specCn: 2 }));
  const record = cn0Replaced;
  const withPod = (over: Partial<PodView> | undefined): PlanInput => ({
    ...base,
    pods: {
      ...base.pods,
      cn: base.pods.cn.flatMap((p) =>
        p.ordinal !== 0 ? [p] : over === undefined ? [] : [{ ...p, ...over }],
      ),
    },
    failures: { cn: [record] },
  });
  const gone = withPod({ ready: false, scheduled: false });
  assert.equal(describePlan(gone), 'sql dropBackend doris-cn-0');
  assert.equal(
    describePlan(withPod(undefined)),
    'none',
    'a pod being recreated: its entrypoint may have seen its row',
  );
  assert.equal(describePlan(withPod({ ready: false })), 'none', 'a pod on a node: it may come back');
  assert.notEqual(
    describePlan({ ...gone, failures: { cn: [{ ...record, replacement: undefined }] } }),
    'sql dropBackend doris-cn-0',
    'no replacement serving: kept',
  );
  const dropped = gone.doris.known
    ? {
        ...gone,
        doris: { ...gone.doris, backends: gone.doris.backends.filter((b) => b.host !== host('cn', 0)) },
      }
    : gone;
  const kept = nextFailures(dropped, buildMembers(dropped)).cn ?? [];
  assert.equal(kept[0]?.replacement, 'doris-cn-2', 'the record and its replacement stay after the drop');
});

test('failover decisions are announced once, when made', () => {
  const record = { member: 'doris-cn-0', since: '2026-01-01T00:00:00Z', reason: 'x' };
  const decided = { ...record, replacement: 'doris-cn-2' };
  assert.deepEqual(
    decisionEvents({ cn: [record] }, { cn: [decided] }).map((e) => e.reason),
    ['FailoverReplacement'],
  );
  assert.deepEqual(decisionEvents({ cn: [decided] }, { cn: [decided] }), [], 'not again');
  const rebuild = {
    member: 'doris-fe-3',
    since: '2026-01-01T00:00:00Z',
    reason: 'x',
    rebuiltAt: '2026-01-01T00:05:01Z',
  };
  assert.match(
    decisionEvents({}, { fe: [rebuild] })[0]?.note ?? '',
    /doris-fe-3 failed since .*fresh metadata/,
  );
});

test('debug mode: a member its pod puts in debug mode is neither failed over nor restarted by a rollout, and status says why it is down', () => {
  const debugged = (i: PlanInput, c: Component, ordinal: number) =>
    withPods(i, c, (ps) => ps.map((p) => (p.ordinal === ordinal ? { ...p, ready: false, debug: true } : p)));
  // A compute node down in debug mode for longer than its period: no failure, no replacement.
  const cn = debugged(cnFailed(), 'cn', 1);
  assert.deepEqual(failuresNow({ ...cn, now: new Date('2026-01-01T00:30:00Z') }), []);
  assert.match(buildMembers(cn).find((m) => m.name === 'doris-cn-1')?.down ?? '', /debug mode/);
  // An FE observer down in debug mode past the FE period: recorded earlier, never rebuilt.
  const feDebug = debugged(feDown(input({ fe: 4, specFe: 4 }), 3), 'fe', 3);
  const recorded = [{ member: 'doris-fe-3', since: '2026-01-01T00:00:00Z', reason: 'x' }];
  const later = { ...feDebug, now: new Date('2026-01-01T01:00:00Z'), failures: { fe: recorded } };
  const decided = feFailures(later);
  assert.equal(decided[0]?.rebuiltAt, undefined);
  assert.match(decided[0]?.message ?? '', /debug mode/);
  // A rollout: the debugged BE keeps its pod, and no other BE goes down while it is down.
  const rollout = debugged(beUpgrade(), 'be', 0);
  const step = plan(rollout);
  assert.equal(describe(step), 'wait', 'no pod deleted while be-0 is debugged');
  assert.match(step?.kind === 'wait' ? step.reason : '', /doris-be-0/);
});

test('FE failover: spec.rollout.paused holds a decided rebuild before its drop and its claim deletion', () => {
  const failed = feDown(input({ fe: 4, specFe: 4 }), 3);
  const due = after(after(failed, 4), 1 + 1 / 60);
  const decided = { ...due, failures: { fe: feFailures(due) } };
  assert.equal(describe(plan(decided)), 'sql dropFrontend doris-fe-3', 'unpaused: dropped');
  const paused = {
    ...decided,
    spec: { ...decided.spec, rollout: { ...decided.spec.rollout, paused: true } },
  };
  const held = plan(paused);
  assert.equal(describe(held), 'wait');
  assert.match(held?.kind === 'wait' ? held.reason : '', /held while the cluster is paused/);
});
