/** The parts of a Pod the simulator reads, as plain JSON from the API server. */

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly fieldRef?: { readonly fieldPath: string };
    readonly secretKeyRef?: { readonly name: string; readonly key: string };
    readonly configMapKeyRef?: { readonly name: string; readonly key: string };
  };
}

export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly envFrom?: readonly {
    readonly configMapRef?: { readonly name: string };
    readonly secretRef?: { readonly name: string };
    readonly prefix?: string;
  }[];
  readonly volumeMounts?: readonly {
    readonly name: string;
    readonly mountPath: string;
    readonly subPath?: string;
  }[];
  readonly resources?: {
    readonly limits?: Record<string, string>;
    readonly requests?: Record<string, string>;
  };
  readonly securityContext?: { readonly privileged?: boolean };
  readonly startupProbe?: {
    readonly initialDelaySeconds?: number;
    readonly periodSeconds?: number;
    readonly failureThreshold?: number;
  };
}

export interface Volume {
  readonly name: string;
  readonly configMap?: { readonly name: string };
  readonly secret?: { readonly secretName: string };
  readonly persistentVolumeClaim?: { readonly claimName: string };
}

export interface Pod {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly uid: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly deletionTimestamp?: string;
    readonly resourceVersion?: string;
  };
  readonly spec: {
    readonly containers: readonly Container[];
    readonly initContainers?: readonly Container[];
    readonly volumes?: readonly Volume[];
    readonly hostname?: string;
    readonly subdomain?: string;
    readonly nodeName?: string;
  };
  readonly status?: { readonly phase?: string; readonly podIP?: string; readonly hostIP?: string };
}

export type DorisRole = 'fe' | 'be' | 'cn' | 'broker';

const SCRIPTS: readonly [string, DorisRole][] = [
  ['fe_entrypoint.sh', 'fe'],
  ['be_entrypoint.sh', 'be'],
  ['broker_entrypoint.sh', 'broker'],
];

/**
 * Which Doris process a pod runs and in which container: the official images' entrypoint in the
 * command or args, or else an `app.kubernetes.io/component` label of fe/be/cn/broker on a pod with
 * a Doris image. CN runs the BE image (be_node_role=computation in be.conf).
 */
export function dorisContainer(pod: Pod): { container: Container; role: DorisRole } | undefined {
  for (const container of pod.spec.containers) {
    const words = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
    const hit = SCRIPTS.find(([script]) => words.includes(script));
    if (hit !== undefined) {
      const component = pod.metadata.labels?.['app.kubernetes.io/component'];
      return { container, role: hit[1] === 'be' && component === 'cn' ? 'cn' : hit[1] };
    }
  }
  const component = pod.metadata.labels?.['app.kubernetes.io/component'];
  if (component === 'fe' || component === 'be' || component === 'cn' || component === 'broker') {
    const container = pod.spec.containers.find((c) => (c.image ?? '').includes('doris'));
    if (container !== undefined) return { container, role: component };
  }
  return undefined;
}

/** Running, with an IP, and not being deleted: a pod whose process runs. */
export const isRunning = (pod: Pod): boolean =>
  pod.status?.phase === 'Running' &&
  pod.status.podIP !== undefined &&
  pod.metadata.deletionTimestamp === undefined;
