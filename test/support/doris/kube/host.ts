/**
 * What the images' start scripts read of the host a pod runs on: `/proc/sys/vm/max_map_count` and
 * `/proc/swaps` are the node kernel's (they are not namespaced per container), and `ulimit -n` is
 * the soft limit the container runtime gives the container's first process.
 *
 * A node starts with Linux's defaults: vm.max_map_count 65530 (`DEFAULT_MAX_MAP_COUNT`,
 * include/linux/mm.h), swap off (the kubelet refuses to run with swap unless configured for it),
 * and open files 1024 soft / 524288 hard: containerd 2.x no longer sets `LimitNOFILE=infinity` in
 * its unit (containerd PR #8924), so containers inherit systemd's default `DefaultLimitNOFILE=
 * 1024:524288`. A test describes another host with node annotations (`hostAnnotations`).
 *
 * A pod's init containers run first, in order, as the kubelet runs them: a privileged one that
 * raises vm.max_map_count (`sysctl -w vm.max_map_count=N`, or `echo N > /proc/sys/vm/max_map_count`)
 * changes the node's kernel for every later pod; without `privileged` /proc/sys is read-only in the
 * container, the write fails, and the pod never gets past its init containers. A main container
 * whose command raises its soft limit (`ulimit -n N`, or to the hard limit with `$(ulimit -Hn)`)
 * sees that limit.
 */
import type { Container, Pod } from './pod.ts';

export interface HostView {
  readonly maxMapCount: number;
  readonly swapOn: boolean;
  /** `ulimit -n` in the main container. */
  readonly openFiles: number;
}

/** Node annotations a test sets to describe a host that differs from the defaults. */
export const hostAnnotations = {
  maxMapCount: 'doris-simulator.test/vm.max_map_count',
  swap: 'doris-simulator.test/swap',
  openFiles: 'doris-simulator.test/nofile',
} as const;

interface Kernel {
  maxMapCount: number;
  swapOn: boolean;
  /** The runtime's limits for a container: `soft:hard`. */
  readonly openFiles: { readonly soft: number; readonly hard: number };
}

export type InitResult =
  | { readonly ok: true; readonly host: HostView }
  | { readonly ok: false; readonly error: string };

export class Hosts {
  private readonly kernels = new Map<string, Kernel>();

  /** Runs the pod's init containers on its node, then tells what its main container sees. */
  prepare(pod: Pod, main: Container, node: { annotations?: Record<string, string> } | undefined): InitResult {
    const name = pod.spec.nodeName ?? '';
    let kernel = this.kernels.get(name);
    if (kernel === undefined) {
      kernel = kernelOf(node?.annotations ?? {});
      this.kernels.set(name, kernel);
    }
    for (const init of pod.spec.initContainers ?? []) {
      const raise = mapCountWrite(init);
      if (raise === undefined) continue;
      if (init.securityContext?.privileged !== true)
        return {
          ok: false,
          error: `init container ${init.name} exited 1: sysctl: permission denied on key "vm.max_map_count" (/proc/sys is read-only without privileged)`,
        };
      if (raise.onlyIfLower !== true || kernel.maxMapCount < raise.value) kernel.maxMapCount = raise.value;
    }
    return {
      ok: true,
      host: { maxMapCount: kernel.maxMapCount, swapOn: kernel.swapOn, openFiles: openFilesOf(main, kernel) },
    };
  }
}

function kernelOf(annotations: Record<string, string>): Kernel {
  const num = (key: string, def: number) => {
    const v = Number(annotations[key]);
    return Number.isFinite(v) && annotations[key] !== undefined ? v : def;
  };
  const files = (annotations[hostAnnotations.openFiles] ?? '1024:524288').split(':').map(Number);
  return {
    maxMapCount: num(hostAnnotations.maxMapCount, 65530),
    swapOn: annotations[hostAnnotations.swap] === 'on',
    openFiles: { soft: files[0] ?? 1024, hard: files[1] ?? files[0] ?? 524288 },
  };
}

const words = (c: Container) => [...(c.command ?? []), ...(c.args ?? [])].join(' ');

/** The vm.max_map_count an init container writes, if it writes one. */
function mapCountWrite(c: Container): { value: number; onlyIfLower?: boolean } | undefined {
  const text = words(c);
  const sysctl = /sysctl\s+(?:-\w+\s+)*vm\.max_map_count\s*=\s*(\d+)/.exec(text);
  if (sysctl !== null) return { value: Number(sysctl[1]) };
  const echo = /echo\s+(\d+)\s*>\s*\/proc\/sys\/vm\/max_map_count/.exec(text);
  if (echo !== null) return { value: Number(echo[1]), onlyIfLower: /-lt\s+\d+/.test(text) };
  return undefined;
}

/** `ulimit -n` after the main container's command ran: the runtime's soft limit unless it raises it. */
function openFilesOf(main: Container, kernel: Kernel): number {
  const text = words(main);
  const { soft, hard } = kernel.openFiles;
  if (/ulimit\s+-n\s+"?\$\(ulimit\s+-Hn\)"?/.test(text)) return hard;
  const fixed = /ulimit\s+-n\s+(\d+)/.exec(text);
  if (fixed !== null && Number(fixed[1]) <= hard) return Number(fixed[1]);
  return soft;
}
