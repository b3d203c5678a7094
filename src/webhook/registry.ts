/**
 * Every kind the webhook admits. A new kind of this project adds one line here with its
 * `KindAdmission` (defaulter and validator, see kinds.ts); the routes, the webhook configurations'
 * rules and the metrics follow from the list.
 */
import type { RestClient } from '../kube/rest.ts';
import { FactFinder } from './doris-cluster/facts.ts';
import { dorisClusterAdmission } from './doris-cluster/index.ts';
import { dorisClusterAutoscalerAdmission } from './doris-cluster-autoscaler.ts';
import { dorisInitializerAdmission } from './doris-initializer.ts';
import { dorisMonitorAdmission } from './doris-monitor.ts';
import type { KindAdmission } from './kinds.ts';

export interface KindDeps {
  /** For validators that look at other objects; without it those lookups are skipped. */
  readonly client?: RestClient;
  readonly clusterDomain?: string;
}

export function admissionKinds(deps: KindDeps = {}): KindAdmission[] {
  const facts = deps.client === undefined ? undefined : new FactFinder(deps.client);
  return [
    dorisClusterAdmission({ facts, clusterDomain: deps.clusterDomain }),
    dorisInitializerAdmission(deps.client),
    dorisClusterAutoscalerAdmission(deps.client),
    dorisMonitorAdmission(deps.client),
  ];
}
