/**
 * Frontend configuration. Each FE process holds its own copy, built from the defaults and its fe.conf
 * at start: `ADMIN SET FRONTEND CONFIG` changes the copy of the FE it reaches (master-only settings
 * on the master) and is lost when that process restarts, as in Doris, where it is a runtime change.
 */
import { ddlError } from '../errors.ts';

interface ConfigDefault {
  readonly value: string;
  readonly type: 'boolean' | 'int' | 'long' | 'double' | 'String';
  readonly mutable: boolean;
  readonly masterOnly: boolean;
}

const d = (
  value: string,
  type: ConfigDefault['type'],
  mutable = true,
  masterOnly = false,
): ConfigDefault => ({
  value,
  type,
  mutable,
  masterOnly,
});

export const FE_CONFIG_DEFAULTS: Readonly<Record<string, ConfigDefault>> = {
  disable_balance: d('false', 'boolean', true, true),
  disable_tablet_scheduler: d('false', 'boolean', true, true),
  disable_colocate_balance: d('false', 'boolean', true, true),
  drop_backend_after_decommission: d('true', 'boolean', true, true),
  decommission_tablet_check_threshold: d('5000', 'int', true, true),
  max_backend_heartbeat_failure_tolerance_count: d('1', 'long', true, true),
  // 10 s from 2.1.0 on (fe/fe-core/.../common/Config.java; simulator-fidelity.md §4.1).
  heartbeat_interval_second: d('10', 'int', false),
  // How long DROP TABLE / DROP DATABASE without FORCE keeps the tablets (Config.java, 1 day).
  catalog_trash_expire_second: d('86400', 'long', true, true),
  max_clone_task_timeout_sec: d('7200', 'long', true, true),
  prefer_compute_node_for_external_table: d('false', 'boolean', true, true),
  min_backend_num_for_external_table: d('-1', 'int', true, true),
  qe_max_connection: d('1024', 'int', false),
  enable_fqdn_mode: d('false', 'boolean', false),
  http_port: d('8030', 'int', false),
  query_port: d('9030', 'int', false),
  rpc_port: d('9020', 'int', false),
  edit_log_port: d('9010', 'int', false),
  arrow_flight_sql_port: d('-1', 'int', false),
  meta_dir: d('/opt/apache-doris/fe/doris-meta', 'String', false),
  priority_networks: d('', 'String', false),
  sys_log_level: d('INFO', 'String', false),
  max_backup_restore_job_num_per_db: d('10', 'int', true, true),
  default_max_query_instances: d('-1', 'int', true),
};

export const CONFIG_COLUMNS = ['Key', 'Value', 'Type', 'IsMutable', 'MasterOnly', 'Comment'];

export class FeConfig {
  private readonly values = new Map<string, string>();

  /** Defaults overridden by fe.conf keys. */
  constructor(conf: Readonly<Record<string, string>> = {}) {
    for (const [k, v] of Object.entries(FE_CONFIG_DEFAULTS)) this.values.set(k, v.value);
    for (const [k, v] of Object.entries(conf)) if (k in FE_CONFIG_DEFAULTS) this.values.set(k, v);
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  bool(key: string): boolean {
    return this.values.get(key) === 'true';
  }

  int(key: string): number {
    return Number(this.values.get(key) ?? '0');
  }

  static check(key: string, value: string): void {
    const def = FE_CONFIG_DEFAULTS[key];
    if (def === undefined || !def.mutable) throw ddlError(`Config '${key}' does not exist or is not mutable`);
    const valid =
      def.type === 'boolean'
        ? value === 'true' || value === 'false'
        : def.type === 'String' || !Number.isNaN(Number(value));
    if (!valid) throw ddlError(`Failed to set config '${key}'. err: invalid value: ${value}`);
  }

  static isMasterOnly(key: string): boolean {
    return FE_CONFIG_DEFAULTS[key]?.masterOnly ?? false;
  }

  set(key: string, value: string): void {
    FeConfig.check(key, value);
    this.values.set(key, value);
  }

  /** SHOW FRONTEND CONFIG [LIKE 'pattern'] rows. */
  rows(pattern?: string): string[][] {
    const re = pattern === undefined ? undefined : likeToRegExp(pattern);
    return Object.entries(FE_CONFIG_DEFAULTS)
      .filter(([k]) => re === undefined || re.test(k))
      .map(([k, def]) => [
        k,
        this.values.get(k) ?? def.value,
        def.type,
        String(def.mutable),
        String(def.masterOnly),
        '',
      ]);
  }
}

/** SQL LIKE (`%`, `_`), case-insensitive. */
export function likeToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+?^${}()|[\]\\*]/g, '\\$&')
    .replaceAll('%', '.*')
    .replaceAll('_', '.');
  return new RegExp(`^${body}$`, 'i');
}
