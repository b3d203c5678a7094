/**
 * Every CRD of the operator, in a stable order: what `doris-operator crds` prints and what
 * `npm run gen:crds` writes under config/crd/bases/. New kinds are added to `kinds` here.
 */
import type { z } from 'zod';
import type { CustomResourceDefinition, Kind } from './schema/kind.ts';
import { dorisClusterKind } from './v1alpha1/doris-cluster.ts';
import { dorisClusterAutoscalerKind } from './v1alpha1/doris-cluster-autoscaler.ts';
import { dorisInitializerKind } from './v1alpha1/doris-initializer.ts';
import { dorisMonitorKind } from './v1alpha1/doris-monitor.ts';

export const kinds: readonly Kind<z.ZodType, z.ZodType>[] = [
  dorisClusterKind,
  dorisInitializerKind,
  dorisClusterAutoscalerKind,
  dorisMonitorKind,
];

export function allCrds(): CustomResourceDefinition[] {
  return kinds.map((k) => k.crd());
}
