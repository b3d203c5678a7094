/**
 * Time windows: a schedule is open when its last `start` came after its last `end` (both cron
 * expressions read in the schedule's time zone). Open windows narrow the bounds: the highest
 * minimum and the lowest maximum hold, always inside the autoscaler's own minReplicas..maxReplicas.
 */
import { CronExpressionParser } from 'cron-parser';
import type { ResolvedAutoscalerSpec } from '../api/v1alpha1/index.ts';
import type { Bounds } from './decide.ts';

type Schedule = ResolvedAutoscalerSpec['schedules'][number];

/** Why a cron expression or time zone is not valid, or undefined when it is. */
export function cronProblem(expression: string, timeZone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    return `unknown time zone ${JSON.stringify(timeZone)}: use an IANA name such as UTC or Europe/Berlin`;
  }
  const fields = expression.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6)
    return `cron expression ${JSON.stringify(expression)} has ${fields} fields: use 5 (minute hour day month weekday) or 6 (seconds first)`;
  try {
    CronExpressionParser.parse(expression, { tz: timeZone, strict: false });
    return undefined;
  } catch (err) {
    return `invalid cron expression ${JSON.stringify(expression)}: ${(err as Error).message}`;
  }
}

/**
 * The last time `expression` fired at or before `now` (ms), or undefined when it never did within a
 * year. prev() is walked forward with next(): across a spring-forward change prev() can skip a
 * firing that next() gives (a local time in the skipped hour moves to after it).
 */
function lastFiring(expression: string, timeZone: string, now: number): number | undefined {
  let last: number | undefined;
  try {
    last = CronExpressionParser.parse(expression, {
      tz: timeZone,
      currentDate: new Date(now + 1),
      startDate: new Date(now - 366 * 24 * 3600_000),
    })
      .prev()
      .getTime();
  } catch {
    last = undefined;
  }
  try {
    const it = CronExpressionParser.parse(expression, {
      tz: timeZone,
      currentDate: new Date(last ?? now - 26 * 3600_000),
    });
    for (let i = 0; i < 100; i++) {
      const t = it.next().getTime();
      if (t > now) break;
      last = t;
    }
  } catch {
    // no firing after `last`
  }
  return last;
}

export function isOpen(s: Schedule, now: number): boolean {
  const started = lastFiring(s.start, s.timeZone, now);
  if (started === undefined) return false;
  const ended = lastFiring(s.end, s.timeZone, now);
  return ended === undefined || started > ended;
}

export function boundsAt(spec: ResolvedAutoscalerSpec, now: number): Bounds & { readonly open: string[] } {
  const open = spec.schedules.filter((s) => isOpen(s, now));
  const clamp = (n: number) => Math.min(spec.maxReplicas, Math.max(spec.minReplicas, n));
  let min = spec.minReplicas;
  let max = spec.maxReplicas;
  let minFrom: string | undefined;
  let maxFrom: string | undefined;
  for (const s of open) {
    if (s.minReplicas !== undefined && clamp(s.minReplicas) > min) {
      min = clamp(s.minReplicas);
      minFrom = `schedule ${s.name}`;
    }
    if (s.maxReplicas !== undefined && clamp(s.maxReplicas) < max) {
      max = clamp(s.maxReplicas);
      maxFrom = `schedule ${s.name}`;
    }
  }
  // Overlapping windows that disagree: the larger minimum is the one users set to protect load.
  if (min > max) {
    max = min;
    maxFrom = minFrom;
  }
  return {
    min,
    max,
    ...(minFrom === undefined ? {} : { minFrom }),
    ...(maxFrom === undefined ? {} : { maxFrom }),
    open: open.map((s) => s.name),
  };
}

/** When the next window opens or closes after `now` (ms), to look again then; undefined without schedules. */
export function nextChange(spec: ResolvedAutoscalerSpec, now: number): number | undefined {
  let next: number | undefined;
  for (const s of spec.schedules) {
    for (const e of [s.start, s.end]) {
      try {
        const t = CronExpressionParser.parse(e, { tz: s.timeZone, currentDate: new Date(now) })
          .next()
          .getTime();
        if (next === undefined || t < next) next = t;
      } catch {
        // refused by the webhook; nothing to wait for
      }
    }
  }
  return next;
}
