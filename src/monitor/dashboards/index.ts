/** Every Doris dashboard, built: what Grafana is provisioned with (file name -> dashboard JSON). */
import { backendDashboard } from './backend.ts';
import { frontendDashboard } from './frontend.ts';
import { operatorDashboard } from './operator.ts';
import { overviewDashboard } from './overview.ts';

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels?: readonly Panel[];
  readonly [key: string]: unknown;
}
export interface Panel {
  readonly type: string;
  readonly title: string;
  readonly targets?: readonly { readonly expr?: string }[];
  readonly [key: string]: unknown;
}

export function dashboards(): Dashboard[] {
  return [overviewDashboard(), frontendDashboard(), backendDashboard(), operatorDashboard()].map(
    (b) => b.build() as unknown as Dashboard,
  );
}

/** The ConfigMap keys Grafana's provisioning (or its sidecar) reads, one JSON file per dashboard. */
export function dashboardFiles(): Record<string, string> {
  return Object.fromEntries(dashboards().map((d) => [`${d.uid}.json`, JSON.stringify(d)]));
}
