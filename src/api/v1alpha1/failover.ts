/**
 * Automatic failover of a component's members (tidb-operator's model): a member Doris reports dead,
 * or whose pod is not Ready, for longer than `period` gets a replacement member (the StatefulSet
 * runs replicas + replacements), at most `maxMembers` at a time, one decision at a time, and never
 * while Doris cannot be seen. When the failed member is healthy again its replacement leaves through
 * the ordinary safe scale-in path.
 */
import { z } from 'zod';

/** `90s`, `5m`, `1h`: Go-style durations with one unit. */
const durationPattern = /^[1-9]\d{0,5}(s|m|h)$/;

export function durationMs(text: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(text);
  if (m === null) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
}

export const failoverSchema = (defaultPeriod: string) =>
  z
    .object({
      enabled: z
        .boolean()
        .default(true)
        .describe(
          'Replace members that stay failed. The operator flag --no-failover turns it off everywhere.',
        ),
      period: z
        .string()
        .regex(durationPattern, 'a duration such as 90s, 5m or 1h')
        .default(defaultPeriod)
        .describe(
          'How long a member must be failed (Doris reports it not alive, or its pod is not Ready) before a ' +
            `replacement is added, e.g. 90s, 5m, 1h. Default: ${defaultPeriod}.`,
        ),
      maxMembers: z
        .int()
        .min(0)
        .max(10)
        .default(3)
        .describe('At most this many replacement members at a time; failures beyond it are reported only.'),
    })
    .describe('Automatic failover: a replacement member for one that stays failed.');

/**
 * FE failover: no member is added (the followers are fixed at creation); a member that stays failed
 * is dropped from Doris and re-added with fresh metadata, one at a time and only while the other
 * followers keep a majority.
 */
export const feFailoverSchema = z
  .object({
    enabled: failoverSchema('5m').shape.enabled,
    period: failoverSchema('5m').shape.period.describe(
      'How long an FE must be failed (Doris reports it not alive, or its pod is not Ready) before it is ' +
        'rebuilt, e.g. 90s, 5m, 1h. Default: 5m.',
    ),
  })
  .describe(
    'Automatic failover of FEs: an FE that stays failed is dropped from Doris (DROP FOLLOWER or DROP ' +
      'OBSERVER), its claims and pod are deleted, and its entrypoint adds it back with fresh metadata. ' +
      'Only with a master, one FE at a time, and never when the other followers would not keep a majority.',
  );

/** BE failover: a spare BE for Doris to re-replicate onto; how it goes when the failed BE is back. */
export const beFailoverSchema = failoverSchema('10m')
  .extend({
    recover: z
      .enum(['Manual', 'Automatic'])
      .default('Manual')
      .describe(
        'When the failed BE is alive again: Manual keeps the spare BE (set Automatic, or scale as you see ' +
          'fit, to remove it); Automatic decommissions the spare once every original BE is healthy, moving ' +
          'its tablets away first (never forced). Default: Manual.',
      ),
  })
  .describe(
    "Automatic failover of BEs: a spare BE for Doris to re-replicate the failed one's tablets onto. The " +
      'failed BE is never dropped or decommissioned by the operator: it may hold the only copy of something.',
  );
