/**
 * What the planner sees and what it may ask for. A plan is at most one Step: the reconciler
 * performs it and comes back, so every decision is made on fresh observations (S8), and a
 * disruptive step is only ever taken while nothing else is disrupted (S4).
 */
import type { Component, ResolvedDorisClusterSpec } from '../../api/v1alpha1/index.ts';
import type { DorisView, PodView } from '../observe.ts';

export type OperationType = 'Upgrade' | 'Restart' | 'ScaleIn' | 'ScaleOut' | 'Failover' | 'Expand';

/** The disruptive operation recorded in status while it runs; a restarted operator resumes from it. */
export interface Operation {
  readonly type: OperationType;
  readonly component: Component;
  readonly member?: string;
  readonly startedAt: string;
  readonly memberStartedAt?: string;
  /** UID of the pod deleted to restart `member`. */
  readonly podUid?: string;
  /** Doris' LastStartTime of `member` before that restart. */
  readonly lastStartTime?: string;
  /** FE failover: the claims whose metadata is being replaced. */
  readonly claimUids?: string[];
  readonly message?: string;
}

export interface PlanInput {
  readonly cluster: string;
  readonly namespace: string;
  /** The cluster's DNS domain, for the hosts of members Doris does not list yet. */
  readonly clusterDomain?: string;
  readonly spec: ResolvedDorisClusterSpec;
  /** Replicas of each existing StatefulSet. */
  readonly statefulSets: Partial<Record<Component, { readonly replicas: number }>>;
  readonly pods: Readonly<Record<Component, readonly PodView[]>>;
  /** What each component's pods should run (from the desired pod template). */
  readonly target: Partial<Record<Component, { readonly image: string; readonly templateHash: string }>>;
  readonly doris: DorisView;
  readonly operation?: Operation;
  /** The operator turned tablet balancing off for a BE rollout and must turn it back on. */
  readonly balanceDisabledByOperator: boolean;
  /** The claims of each member (pod name), for an FE failover that replaces them. */
  readonly claims?: Readonly<Record<string, readonly ClaimView[]>>;
  /** Failed members and their replacements (failover.ts), as recorded in status. */
  readonly failures?: Partial<Record<Component, readonly Failure[]>>;
  readonly now: Date;
}

/** A PersistentVolumeClaim of a member. */
export interface ClaimView {
  readonly name: string;
  readonly uid: string;
}

/** A failed member, as status records it. */
export interface Failure {
  readonly member: string;
  readonly since: string;
  readonly reason: string;
  readonly replacement?: string;
  /** FE: when it was dropped from Doris to be re-added with fresh metadata. */
  readonly rebuiltAt?: string;
  /** When the failed member was healthy again (a BE whose spare stays for now). */
  readonly recoveredAt?: string;
  readonly message?: string;
}

export type SqlAction =
  | { readonly op: 'decommission'; readonly hostPort: string }
  | { readonly op: 'cancelDecommission'; readonly hostPort: string }
  | { readonly op: 'dropFrontend'; readonly role: 'FOLLOWER' | 'OBSERVER'; readonly hostPort: string }
  | { readonly op: 'dropBackend'; readonly hostPort: string }
  | { readonly op: 'disableQuery'; readonly hostPort: string }
  | { readonly op: 'enableQuery'; readonly hostPort: string }
  | { readonly op: 'dropBroker'; readonly name: string; readonly hostPort: string }
  | { readonly op: 'setBalance'; readonly disabled: boolean };

export interface EventSpec {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly note: string;
}

/** The operation a disruptive step belongs to, written to status before the step is taken. */
export interface OperationUpdate {
  readonly type: OperationType;
  readonly component: Component;
  readonly member?: string;
  /** For a restart: the pod being deleted and the start time Doris knows for it. */
  readonly podUid?: string;
  readonly lastStartTime?: string;
  readonly claimUids?: readonly string[];
  readonly message: string;
}

/** The recorded operation kept as it is, with a new message: a wait inside it. */
export function continuing(op: Operation, message: string): OperationUpdate {
  return {
    type: op.type,
    component: op.component,
    ...(op.member ? { member: op.member } : {}),
    ...(op.podUid ? { podUid: op.podUid } : {}),
    ...(op.lastStartTime ? { lastStartTime: op.lastStartTime } : {}),
    ...(op.claimUids ? { claimUids: op.claimUids } : {}),
    message,
  };
}

export type Step =
  | {
      readonly kind: 'scale';
      readonly component: Component;
      readonly replicas: number;
      readonly reason: string;
      readonly event?: EventSpec;
      readonly operation?: OperationUpdate;
    }
  | {
      readonly kind: 'sql';
      readonly action: SqlAction;
      readonly reason: string;
      readonly event: EventSpec;
      readonly operation?: OperationUpdate;
    }
  | {
      readonly kind: 'deletePod';
      readonly component: Component;
      readonly pod: string;
      /** Deleted only if it is still this pod (a precondition), never its replacement. */
      readonly uid: string;
      readonly reason: string;
      readonly event: EventSpec;
      readonly operation: OperationUpdate;
    }
  | {
      /**
       * FE failover: the claims (and the pod using them) of a member Doris no longer lists are
       * deleted, so the StatefulSet recreates it with empty volumes and its entrypoint adds it back.
       */
      readonly kind: 'replaceStorage';
      readonly component: Component;
      readonly member: string;
      readonly claims: readonly ClaimView[];
      /** The pod still using them, deleted only if it is still this one. */
      readonly pod?: { readonly name: string; readonly uid: string };
      readonly reason: string;
      readonly event: EventSpec;
      readonly operation: OperationUpdate;
    }
  | {
      /** A component gone from the spec, its members all out of Doris and their pods gone. */
      readonly kind: 'removeComponent';
      readonly component: Component;
      readonly reason: string;
      readonly event: EventSpec;
      readonly operation?: OperationUpdate;
    }
  | {
      /** Nothing to do but wait for Doris or Kubernetes; `problem` makes the cluster Degraded. */
      readonly kind: 'wait';
      readonly reason: string;
      readonly afterMs: number;
      readonly operation?: OperationUpdate;
      readonly problem?: string;
    };

/** How often to look again while something is in progress. */
export const pollMs = 2000;
