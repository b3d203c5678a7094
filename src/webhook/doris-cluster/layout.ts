/**
 * The names, paths and ports a DorisCluster's members are built with, as far as user input can
 * collide with them: object names derived from the cluster name, the volumes and mount paths the
 * operator gives each member, the directories of the official images, and the ports each Doris
 * process listens on (containers of a pod share one network namespace, so a sidecar on 8040
 * takes the BE's web server port). The builders of the cluster controller follow this layout.
 */
import type { Component } from '../../api/v1alpha1/owned-config.ts';
import { ports } from '../../cluster/ports.ts';

// The names come from the cluster builders themselves, so the two can never disagree.
export {
  components,
  feServiceName as clientServiceName,
  internalServiceName as headlessServiceName,
  statefulSetName,
} from '../../cluster/names.ts';

/** The Doris home of each component in the official images. */
export const homeDir: Readonly<Record<Component, string>> = {
  fe: '/opt/apache-doris/fe',
  be: '/opt/apache-doris/be',
  cn: '/opt/apache-doris/be',
  broker: '/opt/apache-doris/apache_hdfs_broker',
};

/** Directories of the images that a volume must never hide (binaries, libraries, configuration). */
export const imageDirs = ['bin', 'conf', 'lib', 'log', 'www'] as const;

/** Mounts the operator adds to every member: the ConfigMap, the auth Secret and pod info. */
const commonMounts = { config: '/etc/doris', 'basic-auth': '/etc/basic_auth', podinfo: '/etc/podinfo' };

/**
 * Volume name to mount path of the operator's own volumes for a component. BE data directories
 * are named by the user and mounted at `<home>/<name>`, so they are passed in.
 */
export function operatorMounts(c: Component, dataDirs: readonly string[] = []): Record<string, string> {
  const home = homeDir[c];
  const own: Record<string, string> =
    c === 'fe'
      ? { meta: `${home}/doris-meta`, log: `${home}/log` }
      : c === 'be'
        ? { ...Object.fromEntries(dataDirs.map((d) => [`data-${d}`, `${home}/${d}`])), log: `${home}/log` }
        : c === 'cn'
          ? { cache: `${home}/file_cache`, log: `${home}/log` }
          : { log: `${home}/log` };
  return { ...own, ...commonMounts };
}

/** Ports each Doris process listens on (reference §4); the operator fixes them. */
export const dorisPorts: Readonly<Record<Component, readonly number[]>> = {
  fe: Object.values(ports.fe),
  be: Object.values(ports.be),
  cn: Object.values(ports.be),
  broker: Object.values(ports.broker),
};

/** The main container of each component's pods. */
export const mainContainer = (c: Component): string => c;

/** Whether one mount path hides or sits inside the other. */
export function pathsOverlap(a: string, b: string): boolean {
  const x = a.replace(/\/+$/, '') || '/';
  const y = b.replace(/\/+$/, '') || '/';
  return x === y || y.startsWith(x === '/' ? '/' : `${x}/`) || x.startsWith(y === '/' ? '/' : `${y}/`);
}
