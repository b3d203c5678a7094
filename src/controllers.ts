/** Every controller the manager runs; each sets itself up on the manager (informers, watches). */
import { setupAutoscalerController } from './autoscaler/setup.ts';
import { setupClusterController } from './cluster/setup.ts';
import { setupInitializerController } from './initializer/setup.ts';
import { setupMonitorController } from './monitor/setup.ts';
import type { Manager } from './runtime/manager.ts';

export type ControllerSetup = (manager: Manager) => void;

export const controllers: readonly ControllerSetup[] = [
  setupClusterController,
  setupInitializerController,
  (m) => void setupAutoscalerController(m),
  (m) =>
    void setupMonitorController(m, {
      // Set by the installation (chart, kustomize): what its Prometheus scrapes, which ClusterRoles it binds.
      operatorMetrics: process.env.OPERATOR_METRICS_ENDPOINT || undefined,
      clusterRolePrefix: process.env.MONITOR_CLUSTER_ROLE_PREFIX || undefined,
    }),
];
