/**
 * The operator's API: every kind's schema, types and defaults (v1alpha1), the CRDs generated from
 * them (what `doris-operator crds` prints), and the mechanism new kinds are defined with.
 */
export { allCrds, kinds } from './crds.ts';
export type {
  CustomObject,
  CustomResourceDefinition,
  Kind,
  ObjectMeta,
  ObjectOf,
  SpecOf,
  StatusOf,
} from './schema/kind.ts';
export { defineKind } from './schema/kind.ts';
export * from './v1alpha1/index.ts';
