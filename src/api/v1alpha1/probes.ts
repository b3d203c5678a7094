/**
 * How long a member may take to start and how long a running one may stop answering before the
 * kubelet restarts it. An FE replays its metadata image and journal before it opens its ports: a
 * large one needs far more than the default, or it is killed mid-replay and never starts.
 */
import { z } from 'zod';
import type { Component } from './owned-config.ts';

/** Start budgets when omitted, in seconds (the official operator's: FE metadata replay is slow). */
export const defaultStartTimeoutSeconds: Readonly<Record<Component, number>> = {
  fe: 360,
  be: 300,
  cn: 300,
  broker: 120,
};

/** The kubelet probes every 5 s. */
export const probePeriodSeconds = 5;

export const probesSchema = (c: Component) =>
  z
    .object({
      startTimeoutSeconds: z
        .int()
        .min(30)
        .max(86_400)
        .default(defaultStartTimeoutSeconds[c])
        .describe(
          'How long a member may take to open its ports after its container starts, in seconds (the startup ' +
            `probe's budget; checked every ${probePeriodSeconds} s). ` +
            (c === 'fe'
              ? 'An FE replays its metadata image and journal first: raise it for large metadata. '
              : '') +
            `Default: ${defaultStartTimeoutSeconds[c]}.`,
        ),
      liveTimeoutSeconds: z
        .int()
        .min(probePeriodSeconds)
        .max(3_600)
        .default(15)
        .describe(
          'How long a started member may fail its liveness probe before the kubelet restarts it, in seconds ' +
            `(checked every ${probePeriodSeconds} s). Default: 15.`,
        ),
    })
    .describe('Probe timings of the members: the start budget and the liveness tolerance.');
