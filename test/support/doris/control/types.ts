/** What the control API answers, shared by its server and its TypeScript client. */
import type { Load } from '../load.ts';
import type { LogEntry } from '../log.ts';
import type { MemberKind, MemberState } from '../member.ts';
import type { Timing } from '../timing.ts';

export interface FrontendSummary {
  readonly name: string;
  readonly host: string;
  readonly role: 'FOLLOWER' | 'OBSERVER';
  readonly isMaster: boolean;
  readonly join: boolean;
  readonly alive: boolean;
}

export interface BackendSummary {
  readonly id: number;
  readonly host: string;
  readonly alive: boolean;
  readonly decommissioned: boolean;
  readonly tablets: number;
  readonly nodeRole: 'mix' | 'computation';
  /** Replicas moved per tick while decommissioning, when set through the control API (0: stalled). */
  readonly decommissionRate?: number;
}

export interface ClusterSummary {
  readonly key: string;
  readonly clusterId: number;
  readonly master?: string;
  readonly journalId: number;
  readonly frontends: readonly FrontendSummary[];
  readonly backends: readonly BackendSummary[];
  readonly brokers: readonly { name: string; host: string; port: number; alive: boolean }[];
  readonly failNextBackups: number;
}

export interface MemberSummary {
  /** `namespace/pod`. */
  readonly key: string;
  readonly kind: MemberKind;
  readonly ip: string;
  readonly host: string;
  readonly state: MemberState;
  readonly unreachable: boolean;
  /** Whether its ports are open. */
  readonly listening: boolean;
  readonly cluster?: string;
  readonly frontendName?: string;
  readonly version: string;
  readonly load: Load;
  /** MySQL connections the member accepted since it was created. */
  readonly connectionsAccepted: number;
}

export interface LoadTarget {
  readonly cluster?: string;
  /** A member key (`ns/pod`) or host. */
  readonly member?: string;
}

export type { Load, LogEntry, Timing };
