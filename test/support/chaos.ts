/**
 * Adversarial timing for invariant tests: seeded random delays (the seed is printed, and
 * DORIS_CHAOS_SEED=<seed> replays a failing run), and the controller manager frozen after each pod
 * the operator deletes, so no pod comes back meanwhile.
 */
import type { ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { killOperator, namespaceLog, operatorProcess } from '../cluster/support.ts';
import type { ControlPlane } from './control-plane.ts';

/** A random integer in [lo, hi], from a generator seeded once per test file (mulberry32). */
export function seededBetween(name: string): (lo: number, hi: number) => number {
  const seed = Number(process.env.DORIS_CHAOS_SEED ?? randomInt(2 ** 31));
  console.log(`${name}: seed ${seed} (replay with DORIS_CHAOS_SEED=${seed})`);
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return (lo, hi) => Math.round(lo + random() * (hi - lo));
}

/**
 * Until `stop()`: each time a pod of `ns` starts terminating, the controller manager freezes for
 * `pauseMs()` milliseconds. `stop()` resolves with the number of freezes, the manager thawed.
 */
export function freezeAfterDeletions(
  controlPlane: ControlPlane,
  ns: string,
  since: number,
  pauseMs: () => number,
): { stop(): Promise<number> } {
  let stopped = false;
  let freezes = 0;
  const loop = (async () => {
    let seen = since;
    while (!stopped) {
      const log = await namespaceLog(ns, seen);
      seen = log.at(-1)?.seq ?? seen;
      if (log.some((e) => e.kind === 'pod' && e.text === 'pod terminating')) {
        controlPlane.freezeControllerManager(true);
        freezes++;
        await sleep(pauseMs());
        controlPlane.freezeControllerManager(false);
      }
      await sleep(30);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      controlPlane.freezeControllerManager(false);
      return freezes;
    },
  };
}

/**
 * Until `finished` settles: the operator process is SIGKILLed after `delayMs()` and started again,
 * over and over. Resolves with `finished`'s value and the number of kills.
 */
export async function killRepeatedly<T>(
  t: TestContext,
  ns: string,
  first: ChildProcess,
  finished: Promise<T>,
  delayMs: () => number,
): Promise<{ value: T; kills: number }> {
  let done = false;
  const settled = finished.finally(() => {
    done = true;
  });
  let operator = first;
  let kills = 0;
  while (!done) {
    await sleep(delayMs());
    if (done) break;
    await killOperator(operator);
    kills++;
    operator = await operatorProcess(t, ns);
  }
  return { value: await settled, kills };
}
