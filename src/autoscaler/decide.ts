/**
 * The autoscaler's decision, pure: the HorizontalPodAutoscaler's algorithm as Kubernetes runs it
 * (pkg/controller/podautoscaler/horizontal.go: per-metric `ceil(current × value / target)` inside
 * a tolerance band, the largest proposal wins, no scale-down while a metric cannot be read,
 * stabilisation over the recommendations of a window, rate policies over the changes of a period),
 * then the bounds of open schedules and a cool-down after each change.
 */
import type { MetricType, ResolvedAutoscalerSpec } from '../api/v1alpha1/index.ts';

/** One metric as read: its value in the unit of its target (per compute node for average targets). */
export type Reading =
  | {
      readonly type: MetricType;
      readonly value: number;
      readonly target: number;
      /** For an average over compute nodes: how many answered (the others count as missing). */
      readonly ready?: number;
    }
  | {
      readonly type: MetricType;
      readonly error: string;
      readonly target: number;
      /** Not an error yet: a rate needs a second read (CPU right after start). */
      readonly pending?: boolean;
    };

export interface Recommendation {
  readonly at: number;
  readonly replicas: number;
}

/** A change made: `delta` compute nodes added (positive) or removed (negative) at `at`. */
export interface ScaleEvent {
  readonly at: number;
  readonly delta: number;
}

export interface Bounds {
  readonly min: number;
  readonly max: number;
  /** Which bound comes from a schedule (for the reason). */
  readonly minFrom?: string;
  readonly maxFrom?: string;
}

export interface DecisionInput {
  readonly spec: ResolvedAutoscalerSpec;
  readonly current: number;
  readonly readings: readonly Reading[];
  readonly bounds: Bounds;
  /** Earlier recommendations, oldest first (pruned by the caller to the longest window). */
  readonly recommendations: readonly Recommendation[];
  readonly events: readonly ScaleEvent[];
  readonly lastScaleAt?: number;
  readonly now: number;
}

export type Limit =
  | 'TooFewReplicas'
  | 'TooManyReplicas'
  | 'ScaleUpLimit'
  | 'ScaleDownLimit'
  | 'ScaleUpDisabled'
  | 'ScaleDownDisabled'
  | 'ScaleUpStabilized'
  | 'ScaleDownStabilized'
  | 'CoolingDown';

export interface Decision {
  /** Replicas to run; equal to `current` when nothing changes. */
  readonly desired: number;
  /** The metrics' own proposal, before stabilisation and limits (recorded as a recommendation). */
  readonly proposal: number;
  /** Per metric: what it alone asks for (undefined when it could not be read). */
  readonly perMetric: ReadonlyMap<MetricType, number | undefined>;
  /** The metric asking for the most, when any could be read. */
  readonly driving?: MetricType;
  /** Every metric failed: nothing is decided from load. */
  readonly noMetrics: boolean;
  readonly limit?: Limit;
  readonly reason: string;
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2));

/**
 * What one metric asks for (GetResourceReplicas): `current` within the tolerance band, else
 * `ceil(ready × value / target)`. Compute nodes that did not answer (starting, unready) count as
 * idle when scaling up and as at target when scaling down, and a proposal that then turns around
 * keeps `current`: new nodes that have not taken load yet do not ask for more.
 */
export function metricProposal(
  current: number,
  value: number,
  target: number,
  tolerance: number,
  ready = current,
): number {
  const ratio = value / target;
  const answered = Math.max(0, Math.min(ready, current));
  const missing = current - answered;
  if (missing === 0 || answered === 0) {
    if (Math.abs(1 - ratio) <= tolerance) return current;
    // From zero compute nodes a per-node average is undefined; at least one is asked for under load.
    return Math.max(Math.ceil(ratio * Math.max(answered, 1) - 1e-9), value > 0 ? 1 : 0);
  }
  const adjusted = ratio > 1 ? (ratio * answered) / current : (ratio * answered + missing) / current;
  if (Math.abs(1 - adjusted) <= tolerance || ratio > 1 !== adjusted > 1) return current;
  const proposal = Math.ceil(adjusted * current - 1e-9);
  return (adjusted < 1 && proposal > current) || (adjusted > 1 && proposal < current) ? current : proposal;
}

export function decide(input: DecisionInput): Decision {
  const { spec, current, bounds, now } = input;
  const { behavior } = spec;
  const perMetric = new Map<MetricType, number | undefined>();
  let proposal: number | undefined;
  let driving: MetricType | undefined;
  let failed = 0;
  for (const r of input.readings) {
    if ('error' in r) {
      perMetric.set(r.type, undefined);
      failed++;
      continue;
    }
    const p = metricProposal(current, r.value, r.target, behavior.tolerance, r.ready);
    perMetric.set(r.type, p);
    if (proposal === undefined || p > proposal) {
      proposal = p;
      driving = r.type;
    }
  }
  const noMetrics = proposal === undefined;
  // A metric that cannot be read might be the one asking for more: never scale down without it.
  let metricsDesired = proposal ?? current;
  if (failed > 0 && metricsDesired < current) metricsDesired = current;
  const drivingText =
    driving === undefined
      ? 'no metric could be read'
      : describe(
          input.readings.find((r) => r.type === driving),
          metricsDesired,
          behavior.tolerance,
        );

  // Stabilisation (stabilizeRecommendationWithBehaviors): the most conservative recommendation of each window.
  const upCut = now - behavior.scaleUp.stabilizationWindowSeconds * 1000;
  const downCut = now - behavior.scaleDown.stabilizationWindowSeconds * 1000;
  let up = metricsDesired;
  let down = metricsDesired;
  for (const r of input.recommendations) {
    if (r.at > upCut) up = Math.min(up, r.replicas);
    if (r.at > downCut) down = Math.max(down, r.replicas);
  }
  let desired = current;
  let limit: Limit | undefined;
  if (desired < up) desired = up;
  if (desired > down) desired = down;
  if (desired === current && metricsDesired > current) limit = 'ScaleUpStabilized';
  if (desired === current && metricsDesired < current) limit = 'ScaleDownStabilized';
  if (desired > current && desired < metricsDesired) limit = 'ScaleUpStabilized';
  if (desired < current && desired > metricsDesired) limit = 'ScaleDownStabilized';

  // Rate policies (convertDesiredReplicasWithBehaviorRate).
  if (desired > current) {
    const cap = scaleUpLimit(current, input.events, behavior.scaleUp, now);
    if (cap <= current) {
      desired = current;
      limit = behavior.scaleUp.selectPolicy === 'Disabled' ? 'ScaleUpDisabled' : 'ScaleUpLimit';
    } else if (desired > cap) {
      desired = cap;
      limit = 'ScaleUpLimit';
    }
  } else if (desired < current) {
    const floor = scaleDownLimit(current, input.events, behavior.scaleDown, now);
    if (floor >= current) {
      desired = current;
      limit = behavior.scaleDown.selectPolicy === 'Disabled' ? 'ScaleDownDisabled' : 'ScaleDownLimit';
    } else if (desired < floor) {
      desired = floor;
      limit = 'ScaleDownLimit';
    }
  }

  // A cool-down holds load-driven changes; the bounds below are the user's word and still apply.
  const coolingUntil =
    input.lastScaleAt === undefined ? undefined : input.lastScaleAt + behavior.cooldownSeconds * 1000;
  if (desired !== current && coolingUntil !== undefined && now < coolingUntil) {
    desired = current;
    limit = 'CoolingDown';
  }

  let reason = drivingText;
  if (desired < bounds.min) {
    desired = bounds.min;
    limit = 'TooFewReplicas';
    reason = `at least ${nodes(bounds.min)} (${bounds.minFrom ?? 'minReplicas'}); ${drivingText}`;
  } else if (desired > bounds.max) {
    desired = bounds.max;
    limit = 'TooManyReplicas';
    reason = `at most ${nodes(bounds.max)} (${bounds.maxFrom ?? 'maxReplicas'}); ${drivingText}`;
  } else if (limit !== undefined) {
    reason = `${drivingText}; ${limitText(limit, coolingUntil)}`;
  }
  return {
    desired,
    proposal: metricsDesired,
    perMetric,
    ...(driving === undefined ? {} : { driving }),
    noMetrics,
    ...(limit === undefined ? {} : { limit }),
    reason,
  };
}

export const nodes = (n: number): string => `${n} compute node${n === 1 ? '' : 's'}`;

function describe(r: Reading | undefined, proposal: number, tolerance: number): string {
  if (r === undefined || 'error' in r) return 'no metric could be read';
  const ratio = r.value / r.target;
  const where = Math.abs(1 - ratio) <= tolerance ? 'within tolerance of' : ratio > 1 ? 'above' : 'below';
  return `${r.type} ${fmt(r.value)} ${where} target ${fmt(r.target)}: ${nodes(proposal)}`;
}

function limitText(limit: Limit, coolingUntil: number | undefined): string {
  switch (limit) {
    case 'ScaleUpLimit':
      return 'held by the scale-up policies';
    case 'ScaleDownLimit':
      return 'held by the scale-down policies';
    case 'ScaleUpDisabled':
      return 'scale-up is disabled (behavior.scaleUp.selectPolicy)';
    case 'ScaleDownDisabled':
      return 'scale-down is disabled (behavior.scaleDown.selectPolicy)';
    case 'ScaleUpStabilized':
      return 'lower recommendations within the scale-up stabilization window hold it';
    case 'ScaleDownStabilized':
      return 'higher recommendations within the scale-down stabilization window hold it';
    case 'CoolingDown':
      return `cooling down after the last change until ${new Date(coolingUntil ?? 0).toISOString()}`;
    default:
      return limit;
  }
}

type Rules = ResolvedAutoscalerSpec['behavior']['scaleUp'];

/** Replicas at the start of the period: current, less what was added and plus what was removed in it. */
const periodStart = (current: number, events: readonly ScaleEvent[], now: number, periodSeconds: number) =>
  current - events.filter((e) => e.at > now - periodSeconds * 1000).reduce((sum, e) => sum + e.delta, 0);

/** calculateScaleUpLimitWithScalingRules: the most compute nodes the policies allow now. */
export function scaleUpLimit(
  current: number,
  events: readonly ScaleEvent[],
  rules: Rules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const proposals = rules.policies.map((p) => {
    const start = periodStart(current, events, now, p.periodSeconds);
    return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
  });
  return rules.selectPolicy === 'Min' ? Math.min(...proposals) : Math.max(...proposals);
}

/** calculateScaleDownLimitWithBehaviors: the fewest compute nodes the policies allow now. */
export function scaleDownLimit(
  current: number,
  events: readonly ScaleEvent[],
  rules: Rules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const proposals = rules.policies.map((p) => {
    const start = periodStart(current, events, now, p.periodSeconds);
    return p.type === 'Pods' ? start - p.value : Math.floor(start * (1 - p.value / 100));
  });
  return Math.max(0, rules.selectPolicy === 'Min' ? Math.max(...proposals) : Math.min(...proposals));
}

/** The longest window any decision looks back over (recommendations and events older than it are forgotten). */
export function memoryMs(spec: ResolvedAutoscalerSpec): number {
  const b = spec.behavior;
  const periods = [...b.scaleUp.policies, ...b.scaleDown.policies].map((p) => p.periodSeconds);
  return (
    Math.max(b.scaleUp.stabilizationWindowSeconds, b.scaleDown.stabilizationWindowSeconds, ...periods) * 1000
  );
}
