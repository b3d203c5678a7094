/**
 * The fe.conf / be.conf / apache_hdfs_broker.conf keys the operator writes itself, and what a user
 * should set instead. The schema refuses them in `spec.<component>.config` (one CEL rule per key,
 * so the error names the key), and the config builders use this same list, so the two never drift.
 *
 * Why they are owned: ports are fixed because Services, probes and the entrypoints' self-registration
 * (`ALTER SYSTEM ADD FOLLOWER "$MYSELF:9010"`) use the defaults; paths must match the volumes the
 * operator mounts; members are addressed by pod FQDN, so `enable_fqdn_mode` is always true and
 * `priority_networks` would only make a member register under the wrong address.
 */

export type Component = 'fe' | 'be' | 'cn' | 'broker';

export interface OwnedKey {
  readonly key: string;
  /** The value the operator writes, when it writes one (some keys it only keeps out). */
  readonly value?: string;
  /** What to use instead, as shown in the schema error. */
  readonly instead: string;
}

const fixedPort = (key: string, port: number, instead: string): OwnedKey => ({
  key,
  value: String(port),
  instead: `the port is fixed at ${port}; ${instead}`,
});

const fqdn: OwnedKey = {
  key: 'priority_networks',
  instead: 'members are addressed by pod FQDN, so no network needs choosing',
};

/** be.conf keys owned for both BE and CN; `c` names the component in the advice. */
const beKeys = (c: 'be' | 'cn'): OwnedKey[] => [
  fixedPort('be_port', 9060, 'nothing needs to change it'),
  fixedPort('webserver_port', 8040, 'nothing needs to change it'),
  fixedPort('heartbeat_service_port', 9050, 'nothing needs to change it'),
  fixedPort('brpc_port', 8060, 'nothing needs to change it'),
  fqdn,
  {
    key: 'LOG_DIR',
    value: '/opt/apache-doris/be/log',
    instead: `use spec.${c}.storage.logs for a log volume`,
  },
];

/** Owned keys per component (CN is a BE in the computation role and shares be.conf). */
export const ownedConfigKeys: Readonly<Record<Component, readonly OwnedKey[]>> = {
  fe: [
    fixedPort('http_port', 8030, 'expose it with spec.fe.service'),
    fixedPort('query_port', 9030, 'expose it with spec.fe.service'),
    fixedPort('rpc_port', 9020, 'nothing needs to change it'),
    fixedPort('edit_log_port', 9010, 'followers register on it'),
    {
      key: 'meta_dir',
      value: '/opt/apache-doris/fe/doris-meta',
      instead: 'use spec.fe.storage.meta for the metadata volume',
    },
    {
      key: 'LOG_DIR',
      value: '/opt/apache-doris/fe/log',
      instead: 'use spec.fe.storage.logs for a log volume',
    },
    fqdn,
    {
      key: 'enable_fqdn_mode',
      value: 'true',
      instead: 'it is always true: members are addressed by pod FQDN',
    },
  ],
  be: [
    ...beKeys('be'),
    {
      key: 'storage_root_path',
      value: '/opt/apache-doris/be/storage',
      instead: 'use spec.be.storage.dataDirs (one volume per directory, with its medium)',
    },
    { key: 'be_node_role', value: 'mix', instead: 'use spec.cn for compute nodes' },
  ],
  cn: [
    ...beKeys('cn'),
    { key: 'be_node_role', value: 'computation', instead: 'spec.cn members are always compute nodes' },
    {
      key: 'file_cache_path',
      instead: 'use spec.cn.storage.cache for the cache volume',
    },
  ],
  broker: [fixedPort('broker_ipc_port', 8000, 'nothing needs to change it')],
};

/** The configuration file each component's `config` map is written to. */
export const configFileName: Readonly<Record<Component, string>> = {
  fe: 'fe.conf',
  be: 'be.conf',
  cn: 'be.conf',
  broker: 'apache_hdfs_broker.conf',
};

/** The schema's error message for an owned key. */
export function ownedKeyMessage(component: Component, owned: OwnedKey): string {
  return `${owned.key} is set by the operator in ${configFileName[component]}: ${owned.instead}`;
}

/** Owned keys present in a config map (empty when none): for webhooks and controllers. */
export function findOwnedKeys(component: Component, config: Readonly<Record<string, string>>): OwnedKey[] {
  return ownedConfigKeys[component].filter((o) => Object.hasOwn(config, o.key));
}
