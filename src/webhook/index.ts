/**
 * The doris-admission-webhook: defaulting and validation of every kind of this project over
 * HTTPS (AdmissionReview v1), its certificates, and its webhook configurations.
 */
export { WebhookApp, type WebhookAppOptions } from './app.ts';
export { buildConfigurations, type ConfigurationOptions } from './configurations.ts';
export { defaultDorisCluster, validateDorisCluster } from './doris-cluster/index.ts';
export type { AdmissionInput, KindAdmission } from './kinds.ts';
export { WebhookMetrics } from './metrics.ts';
export type { Findings, Problem } from './problem.ts';
export { admissionKinds } from './registry.ts';
