/** The doris.cloudnative.dev/v1alpha1 API: kinds, their types, defaults and the keys the operator owns. */
export { type Condition, conditionSchema } from './conditions.ts';
export {
  type DorisCluster,
  type DorisClusterSpec,
  type DorisClusterStatus,
  dorisClusterKind,
  dorisClusterSpecSchema,
} from './doris-cluster.ts';
export {
  type AutoscalerSpec,
  type AutoscalerStatus,
  autoscalerSpecSchema,
  type DorisClusterAutoscaler,
  dorisClusterAutoscalerKind,
  type MetricType,
  metricTypes,
  type ResolvedAutoscalerSpec,
  targetOf,
} from './doris-cluster-autoscaler.ts';
export {
  defaultElectionNumber,
  defaultImage,
  InvalidSpecError,
  type ResolvedDorisClusterSpec,
  withDefaults,
} from './doris-cluster-defaults.ts';
export {
  type DorisInitializer,
  type DorisInitializerSpec,
  type DorisInitializerStatus,
  dorisInitializerKind,
  dorisInitializerSpecSchema,
  type PrivilegeName,
  privilegeNames,
  type ResolvedInitializerSpec,
} from './doris-initializer.ts';
export {
  type DorisMonitor,
  dorisMonitorKind,
  type MonitorSpec,
  type MonitorStatus,
  monitorImages,
  monitorSpecSchema,
  type ResolvedMonitorSpec,
} from './doris-monitor.ts';
export { durationMs } from './failover.ts';
export { apiVersion, category, group, version } from './group.ts';
export {
  type Component,
  configFileName,
  findOwnedKeys,
  type OwnedKey,
  ownedConfigKeys,
} from './owned-config.ts';
export { operatorEnvNames, reservedLabelPrefixes } from './pod.ts';
export { phases } from './status.ts';
