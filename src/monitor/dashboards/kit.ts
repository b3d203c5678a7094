/**
 * The few shapes every Doris dashboard is made of, on @grafana/grafana-foundation-sdk: a Prometheus
 * data source variable, cluster and pod variables, time series and stat panels whose queries use
 * them. Panels go through these helpers so that the test walking every panel's query sees them all.
 */
import {
  ConstantVariableBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { jobs } from '../targets.ts';

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template literal.
export const datasource = { type: 'prometheus', uid: '${datasource}' };

/** A selector of the chosen clusters and pods, plus `extra` matchers. */
export const sel = (extra = '') => `{cluster=~"$cluster", pod=~"$pod"${extra === '' ? '' : `, ${extra}`}}`;
/** A selector of the chosen clusters only. */
export const inCluster = (extra = '') => `{cluster=~"$cluster"${extra === '' ? '' : `, ${extra}`}}`;

export interface Query {
  readonly expr: string;
  readonly legend: string;
}
export const q = (expr: string, legend: string): Query => ({ expr, legend });

const targets = (queries: readonly Query[]) =>
  queries.map((x, i) =>
    new DataqueryBuilder()
      .expr(x.expr)
      .legendFormat(x.legend)
      .refId(String.fromCharCode(65 + i))
      .datasource(datasource),
  );

export function timeseries(title: string, unit: string, description: string, ...queries: Query[]) {
  return new TimeseriesBuilder()
    .title(title)
    .description(description)
    .unit(unit)
    .datasource(datasource)
    .targets(targets(queries))
    .lineWidth(1)
    .fillOpacity(10)
    .span(12)
    .height(8);
}

export function stat(title: string, unit: string, description: string, ...queries: Query[]) {
  return new StatBuilder()
    .title(title)
    .description(description)
    .unit(unit)
    .datasource(datasource)
    .targets(targets(queries))
    .span(6)
    .height(4);
}

export interface DashboardInput {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  /** Which members the pod variable lists (component matcher), or none for a dashboard without one. */
  readonly podsOf?: string;
}

/** A dashboard with the data source, cluster and (optionally) pod variables. */
export function dashboard({ uid, title, description, podsOf }: DashboardInput) {
  const board = new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['doris'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(
      new QueryVariableBuilder('cluster')
        .label('Cluster')
        .datasource(datasource)
        .query(`label_values(up{job="${jobs.doris}"}, cluster)`)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue('.+'),
    );
  if (podsOf !== undefined)
    board.withVariable(
      new QueryVariableBuilder('pod')
        .label('Pod')
        .datasource(datasource)
        .query(`label_values(up{job="${jobs.doris}", cluster=~"$cluster", ${podsOf}}, pod)`)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue('.+'),
    );
  else board.withVariable(new ConstantVariableBuilder('pod').value('.+'));
  return board;
}
