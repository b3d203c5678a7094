/** The Doris ports, fixed (see owned-config.ts for why): Services, probes and entrypoints rely on them. */
export const ports = {
  fe: { http: 8030, rpc: 9020, query: 9030, editLog: 9010 },
  be: { be: 9060, webserver: 8040, heartbeat: 9050, brpc: 8060 },
  broker: { ipc: 8000 },
} as const;

export const paths = {
  root: '/opt/apache-doris',
  feMeta: '/opt/apache-doris/fe/doris-meta',
  feLog: '/opt/apache-doris/fe/log',
  beLog: '/opt/apache-doris/be/log',
  beDir: (name: string) => `/opt/apache-doris/be/${name}`,
  cnCache: '/opt/apache-doris/be/file_cache',
  brokerLog: '/opt/apache-doris/apache_hdfs_broker/log',
  config: '/etc/doris',
  basicAuth: '/etc/basic_auth',
  podInfo: '/etc/podinfo',
} as const;
