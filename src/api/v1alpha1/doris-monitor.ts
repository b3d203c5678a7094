/**
 * DorisMonitor (short name `dm`): monitoring of one or more DorisClusters as one object. Managed
 * mode deploys and keeps Prometheus (discovering the Doris pods with a Role per watched namespace),
 * Grafana with the Doris dashboards, Loki and a log collector; PrometheusOperator mode hands the
 * same scrape targets, alert rules and dashboards to a Prometheus Operator already running. The
 * single source of the kind's TypeScript types and of its CRD.
 */
import { z } from 'zod';
import { cel, dnsLabel, fullDefault, labelMap, listMap, quantity, timestamp } from '../schema/fields.ts';
import { defineKind, type ObjectOf } from '../schema/kind.ts';
import { conditionsSchema } from './conditions.ts';
import { category, group, version } from './group.ts';
import { resourcesSchema } from './resources.ts';

/** Images the managed mode runs by default (Prometheus is the version the tests run for real). */
export const monitorImages = {
  prometheus: 'quay.io/prometheus/prometheus:v3.16.0',
  grafana: 'docker.io/grafana/grafana:12.2.0',
  loki: 'docker.io/grafana/loki:3.5.5',
  logCollector: 'docker.io/grafana/alloy:v1.17.0',
} as const;

/** Prometheus durations (`30s`, `15d`, `1h30m`). */
export const promDuration =
  /^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$/;
const duration = (description: string, fallback: string) =>
  cel(
    z
      .string()
      .min(2)
      .max(32)
      .regex(promDuration, 'must be a Prometheus duration such as 30s, 5m, 12h or 15d')
      .default(fallback)
      .describe(`${description} (a Prometheus duration such as 30s, 5m, 12h, 15d; default ${fallback}).`),
    { rule: "self != '0s' && self != '0'", message: 'must be longer than 0s' },
  );

const image = (what: string, fallback: string) =>
  z.string().min(1).max(512).default(fallback).describe(`Image of ${what} (default ${fallback}).`);

const claim = (what: string, defaultSize: string) =>
  z
    .object({
      size: quantity(`Capacity of the ${what} claim (default ${defaultSize}).`, { positive: true }).default(
        defaultSize,
      ),
      storageClassName: z
        .string()
        .min(1)
        .max(253)
        .optional()
        .describe("StorageClass of the claim; the cluster's default class when omitted."),
    })
    .describe(`The ${what} claim.`);

const serviceType = z
  .enum(['ClusterIP', 'NodePort', 'LoadBalancer'])
  .default('ClusterIP')
  .describe('Type of the Service (default ClusterIP; use kubectl port-forward to open it).');

const secretKeyRef = (what: string) =>
  z
    .object({
      name: z.string().min(1).max(253).describe('Name of the Secret, in the monitor namespace.'),
      key: z.string().min(1).max(253).describe('Key in the Secret.'),
    })
    .describe(what);

const clusterRefSchema = z
  .object({
    name: dnsLabel('Name of the DorisCluster.', 63),
    namespace: dnsLabel(
      'Namespace of the DorisCluster (default: the monitor namespace). Another namespace needs the operator to watch it.',
      63,
    ).optional(),
  })
  .describe('A DorisCluster whose members are monitored.');

const remoteWriteSchema = z
  .object({
    url: z
      .string()
      .min(1)
      .max(2048)
      .regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL')
      .describe('Endpoint of the remote write receiver.'),
    bearerTokenSecretRef: secretKeyRef('A bearer token sent with every request, from a Secret.').optional(),
  })
  .describe('One remote write destination.');

const prometheusSchema = z
  .object({
    image: image('Prometheus', monitorImages.prometheus),
    scrapeInterval: duration('How often members are scraped', '15s'),
    evaluationInterval: duration('How often alert rules are evaluated', '30s'),
    retention: duration('How long samples are kept', '15d'),
    retentionSize: quantity(
      'Most bytes of samples kept (storage.tsdb.retention.size), as a quantity such as 18Gi; by default 90 % of the claim.',
      { positive: true },
    ).optional(),
    externalLabels: labelMap(
      'Labels added to every series and alert leaving this Prometheus.',
      16,
    ).optional(),
    remoteWrite: z.array(remoteWriteSchema).max(8).optional().describe('Where samples are also sent.'),
    alertmanagers: z
      .array(
        z
          .string()
          .min(1)
          .max(512)
          .regex(/^[a-zA-Z0-9.-]+(:[0-9]+)?$/, 'must be host or host:port'),
      )
      .max(8)
      .optional()
      .describe('Alertmanagers (host:port) the firing alerts are sent to; none by default.'),
    storage: fullDefault(claim('Prometheus', '20Gi')),
    resources: resourcesSchema.optional(),
    serviceType,
  })
  .describe('The managed Prometheus.');

const grafanaSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Deploy Grafana (default true).'),
    image: image('Grafana', monitorImages.grafana),
    adminSecretRef: z
      .object({ name: z.string().min(1).max(253).describe('Name of the Secret (keys user and password).') })
      .optional()
      .describe(
        'Admin credentials (keys user, password); generated into <monitor>-grafana-admin when omitted.',
      ),
    resources: resourcesSchema.optional(),
    serviceType,
  })
  .describe('The managed Grafana, with the Prometheus and Loki data sources and the Doris dashboards.');

const lokiSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Deploy Loki and the log collector (default true).'),
    image: image('Loki', monitorImages.loki),
    retention: duration('How long log lines are kept', '7d'),
    storage: fullDefault(claim('Loki', '10Gi')),
    resources: resourcesSchema.optional(),
    serviceType,
    collector: fullDefault(
      z
        .object({
          image: image('the log collector (Grafana Alloy)', monitorImages.logCollector),
          resources: resourcesSchema.optional(),
        })
        .describe(
          "The collector: reads every member's output through the Kubernetes API (no host paths) and pushes it to Loki.",
        ),
    ),
  })
  .describe('The managed Loki and its log collector.');

const prometheusOperatorSchema = z
  .object({
    labels: labelMap(
      'Labels put on the PodMonitor and PrometheusRule so that the Prometheus selects them (e.g. release: kube-prometheus-stack).',
      16,
    ).optional(),
    dashboardLabels: labelMap(
      'Labels of the dashboard ConfigMaps, as Grafana\'s dashboard sidecar selects them (default grafana_dashboard: "1").',
      16,
    ).optional(),
  })
  .describe('PrometheusOperator mode: how the objects it creates are found.');

export const monitorSpecSchema = cel(
  z
    .object({
      clusterRefs: listMap(
        z.array(clusterRefSchema).min(1).max(32).describe('The DorisClusters monitored (at least one).'),
        'name',
      ),
      mode: z
        .enum(['Managed', 'PrometheusOperator'])
        .default('Managed')
        .describe(
          'Managed (default): the operator deploys Prometheus, Grafana, Loki and a log collector. PrometheusOperator: it ' +
            'creates a PodMonitor, a PrometheusRule and dashboard ConfigMaps for a kube-prometheus-stack already running, and deploys nothing.',
        ),
      prometheus: fullDefault(prometheusSchema),
      grafana: fullDefault(grafanaSchema),
      loki: fullDefault(lokiSchema),
      prometheusOperator: fullDefault(prometheusOperatorSchema),
      alerts: fullDefault(
        z
          .object({
            enabled: z.boolean().default(true).describe('Install the Doris alert rules (default true).'),
            diskUsedPercent: z
              .int()
              .min(50)
              .max(99)
              .default(85)
              .describe('Disk use per data directory that raises DorisBEDiskAlmostFull (default 85).'),
            p99LatencyMs: z
              .int()
              .min(1)
              .default(5000)
              .describe('p99 query latency in ms that raises DorisQueryLatencyHigh (default 5000).'),
          })
          .describe('The alert rules.'),
      ),
      storageRetention: z
        .enum(['Retain', 'Delete'])
        .default('Retain')
        .describe(
          'What happens to the Prometheus and Loki claims when the monitor is deleted: Retain (default) keeps them, Delete removes them.',
        ),
    })
    .describe('What is monitored and how.'),
  {
    rule: 'self.mode == oldSelf.mode',
    message: 'mode cannot change: delete the monitor and create it again in the other mode',
    fieldPath: '.mode',
  },
);

const conditionTypes = ['Ready', 'Prometheus', 'Grafana', 'Loki', 'LogCollector', 'Targets'] as const;

export const monitorStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('The generation last acted on.'),
    phase: z
      .enum(['Pending', 'Ready', 'Degraded', 'Failed'])
      .optional()
      .describe(
        'Pending (parts starting), Ready, Degraded (a part down or targets down), Failed (spec refused).',
      ),
    endpoints: z
      .object({
        prometheus: z.string().optional().describe('In-cluster URL of Prometheus.'),
        grafana: z.string().optional().describe('In-cluster URL of Grafana.'),
        loki: z.string().optional().describe('In-cluster URL of Loki.'),
      })
      .optional()
      .describe('Where the parts answer.'),
    grafanaAdminSecret: z
      .string()
      .optional()
      .describe('The Secret holding the Grafana admin user and password.'),
    targets: z
      .object({
        up: z.int().min(0).describe('Targets whose last scrape succeeded.'),
        total: z.int().min(0).describe('Targets Prometheus knows.'),
        down: z
          .array(z.string())
          .max(32)
          .optional()
          .describe('Pods (namespace/pod) whose last scrape failed, at most 32.'),
        lastSeen: timestamp('When Prometheus was last asked.'),
      })
      .optional()
      .describe('Scrape targets as last seen by Prometheus (/api/v1/targets).'),
    clusters: z.array(z.string()).optional().describe('Clusters monitored (namespace/name) that exist.'),
    conditions: conditionsSchema.optional(),
  })
  .describe('What the monitor last saw.');

export const dorisMonitorKind = defineKind({
  group,
  version,
  kind: 'DorisMonitor',
  plural: 'dorismonitors',
  shortNames: ['dm'],
  categories: [category],
  description:
    'Monitoring of DorisClusters: Prometheus, Grafana with the Doris dashboards, alert rules, Loki and a log collector, ' +
    'managed by the operator or handed to a Prometheus Operator.',
  spec: monitorSpecSchema,
  status: monitorStatusSchema,
  printerColumns: [
    { name: 'Mode', type: 'string', jsonPath: '.spec.mode', description: 'Managed or PrometheusOperator.' },
    {
      name: 'Phase',
      type: 'string',
      jsonPath: '.status.phase',
      description: 'Pending, Ready, Degraded, Failed.',
    },
    { name: 'Up', type: 'integer', jsonPath: '.status.targets.up', description: 'Targets up.' },
    { name: 'Targets', type: 'integer', jsonPath: '.status.targets.total', description: 'Targets in all.' },
    {
      name: 'Grafana',
      type: 'string',
      jsonPath: '.status.endpoints.grafana',
      description: 'Grafana URL.',
      priority: 1,
    },
    {
      name: 'Age',
      type: 'date',
      jsonPath: '.metadata.creationTimestamp',
      description: 'Time since creation.',
    },
  ],
});

export type MonitorConditionType = (typeof conditionTypes)[number];
export type MonitorSpec = z.input<typeof monitorSpecSchema>;
export type ResolvedMonitorSpec = z.output<typeof monitorSpecSchema>;
export type MonitorStatus = z.input<typeof monitorStatusSchema>;
export type DorisMonitor = ObjectOf<typeof dorisMonitorKind>;
