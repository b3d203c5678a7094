/**
 * The Doris simulator on a control plane: pods of the official images become Doris processes on
 * their loopback IPs, with a control API to inspect and disturb them. `startSimulator` runs it in
 * this process; `main.ts` runs it on its own.
 */
import { RestClient } from '../../../src/kube/rest.ts';
import { SimulatorClient } from './control/client.ts';
import { ControlServer } from './control/server.ts';
import { serviceResolver } from './kube/services.ts';
import { PodWatcher } from './kube/watcher.ts';
import { Simulator } from './simulator.ts';
import type { Timing } from './timing.ts';

export { SimulatorClient } from './control/client.ts';
export type * from './control/types.ts';
export { Simulator } from './simulator.ts';
export { startStandalone } from './standalone.ts';

export interface StartOptions {
  readonly kubeconfigPath: string;
  readonly timing?: Partial<Timing>;
  /** The cluster domain members' FQDNs end with (the kubelet's). @default 'cluster.local' */
  readonly clusterDomain?: string;
  /** Control API port on 127.0.0.1. @default 0 (any free port) */
  readonly controlPort?: number;
}

export interface RunningSimulator {
  readonly sim: Simulator;
  /** The control API's base URL. */
  readonly url: string;
  readonly client: SimulatorClient;
  stop(): Promise<void>;
}

export async function startSimulator(opts: StartOptions): Promise<RunningSimulator> {
  const kube = await RestClient.fromKubeconfigFile(opts.kubeconfigPath);
  const sim = new Simulator({
    resolve: serviceResolver(kube, opts.clusterDomain),
    ...(opts.timing ? { timing: opts.timing } : {}),
  });
  const watcher = new PodWatcher(kube, sim, opts.clusterDomain);
  const control = new ControlServer(sim);
  sim.start();
  await watcher.start();
  const url = await control.listen(opts.controlPort ?? 0);
  return {
    sim,
    url,
    client: new SimulatorClient(url),
    stop: async () => {
      await control.close();
      await watcher.stop();
      await sim.stop();
      kube.close();
    },
  };
}
