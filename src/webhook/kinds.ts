/**
 * The kinds the webhook admits. Adding a kind is registering one `KindAdmission`: its resource
 * (which gives the routes and the webhook configuration rules), a pure defaulter and a validator.
 */
import type { ResourceType } from '../kube/resources.ts';
import type { Findings } from './problem.ts';
import type { Operation, UserInfo } from './review.ts';

export interface AdmissionInput {
  readonly operation: Operation;
  readonly namespace: string;
  readonly object: unknown;
  /** The stored object, on UPDATE. */
  readonly oldObject?: unknown;
  /** The user who sends the request (references are checked against what they may do). */
  readonly user?: UserInfo;
}

export interface KindAdmission {
  readonly resource: ResourceType;
  /** The defaulted copy of `object` (pure; the handler diffs it into a JSONPatch). */
  default(object: unknown, oldObject: unknown | undefined): unknown;
  /** Problems deny, warnings are returned to the client. May read other objects (facts). */
  validate(input: AdmissionInput): Promise<Findings>;
}

export type Mode = 'mutate' | 'validate';

/** The HTTPS path of a kind's endpoint: `/validate/doris.cloudnative.dev/v1alpha1/dorisclusters`. */
export function routeOf(mode: Mode, r: ResourceType): string {
  return `/${mode}/${r.group}/${r.version}/${r.plural}`;
}

/** Webhook names must be fully qualified: `validate.dorisclusters.doris.cloudnative.dev`. */
export function webhookNameOf(mode: Mode, r: ResourceType): string {
  return `${mode === 'mutate' ? 'default' : 'validate'}.${r.plural}.${r.group}`;
}
