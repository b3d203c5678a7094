/**
 * Doris clusters without Kubernetes: members launched straight into a simulator on loopback
 * addresses, with the inputs a pod would give. For protocol and state-machine tests that need no
 * control plane, and for trying the simulator by hand.
 */

import { randomInt, randomUUID } from 'node:crypto';
import type { Member, MemberKind, MemberSpec } from './member.ts';
import { Simulator, type SimulatorOptions } from './simulator.ts';
import { imageConf } from './start-scripts.ts';
import { versionOf } from './version.ts';

export interface StandaloneOptions extends SimulatorOptions {
  readonly fe?: number;
  readonly be?: number;
  readonly cn?: number;
  readonly brokers?: number;
  /** @default '2.1.7' */
  readonly version?: string;
  /** @default 3 */
  readonly electNumber?: number;
  /** Extra env for every member (USER, PASSWD, ...). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface Standalone {
  readonly sim: Simulator;
  readonly fes: Member[];
  readonly bes: Member[];
  readonly cns: Member[];
  readonly brokers: Member[];
  /** `127.a.b` : members get `.1`, `.2`, ... */
  readonly network: string;
  stop(): Promise<void>;
}

/** A random /24 inside 127.251.0.0-127.254.255.255, away from the control plane's pod network. */
export const standaloneNetwork = (): string => `127.${randomInt(251, 255)}.${randomInt(0, 256)}`;

export function standaloneSpec(
  kind: MemberKind,
  name: string,
  ordinal: number,
  ip: string,
  opts: {
    version?: string;
    env?: Readonly<Record<string, string>>;
    conf?: Readonly<Record<string, string>>;
  } = {},
): MemberSpec {
  return {
    key: `standalone/${name}`,
    namespace: 'standalone',
    name,
    kind,
    ip,
    host: ip,
    ordinal,
    version: versionOf(opts.version ?? '2.1.7'),
    // No ConfigMap: the image's own conf file, plus what the test adds.
    conf: { ...imageConf(kind, versionOf(opts.version ?? '2.1.7')), ...opts.conf },
    env: opts.env ?? {},
    storageId: randomUUID(),
    labels: {},
    cpuCores: 4,
    memoryBytes: 16 * 1024 ** 3,
  };
}

/** Starts FEs (the first one founds the cluster), then BEs, CNs and brokers, and waits until all are up. */
export async function startStandalone(opts: StandaloneOptions = {}): Promise<Standalone> {
  const sim = new Simulator({ ...opts, timing: { masterProbeMs: 200, processStartMs: 100, ...opts.timing } });
  sim.start();
  const network = standaloneNetwork();
  let next = 1;
  const env = { ELECT_NUMBER: String(opts.electNumber ?? 3), ...opts.env, ENV_FE_ADDR: `${network}.1` };
  const launch = async (
    kind: MemberKind,
    prefix: string,
    count: number,
    conf: Record<string, string> = {},
  ) => {
    const out: Member[] = [];
    for (let i = 0; i < count; i++) {
      out.push(
        await sim.launch(
          standaloneSpec(kind, `${prefix}-${i}`, i, `${network}.${next++}`, { ...opts, env, conf }),
        ),
      );
      if (kind === 'fe') await waitFor(() => out[i]?.feContext() !== undefined, `${prefix}-${i} ready`);
    }
    return out;
  };
  const fes = await launch('fe', 'fe', opts.fe ?? 1);
  const bes = await launch('be', 'be', opts.be ?? 0);
  const cns = await launch('be', 'cn', opts.cn ?? 0, { be_node_role: 'computation' });
  const brokers = await launch('broker', 'broker', opts.brokers ?? 0);
  await waitFor(() => [...bes, ...cns, ...brokers].every((m) => m.state === 'running'), 'members running');
  await sim.settled();
  return { sim, fes, bes, cns, brokers, network, stop: () => sim.stop() };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
