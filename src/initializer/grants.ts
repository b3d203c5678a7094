/**
 * Privileges as one comparable key each, `SELECT_PRIV@internal.db1.*`, both for what a
 * DorisInitializer declares and for what SHOW ALL GRANTS reports (Auth.getUserAuthInfo, Doris 2.1
 * and 3.0: cells like `internal.db1: Select_priv,Load_priv; internal.mysql: Select_priv`).
 */
import type { PrivilegeName } from '../api/v1alpha1/index.ts';
import type { Row } from '../doris/rows.ts';

/** A declared grant entry, as the API has it. */
export interface GrantSpec {
  readonly privileges: readonly PrivilegeName[];
  readonly level?: string | undefined;
  readonly workloadGroup?: string | undefined;
  readonly resource?: string | undefined;
}

/** The level a grant is on, as GRANT's ON clause writes it (2-part patterns are in `internal`). */
export function levelOf(g: Pick<GrantSpec, 'level' | 'workloadGroup' | 'resource'>): string {
  if (g.workloadGroup !== undefined) return `WORKLOAD GROUP ${g.workloadGroup}`;
  if (g.resource !== undefined) return `RESOURCE ${g.resource}`;
  const parts = (g.level ?? '*.*.*').split('.');
  return parts.length === 3 ? parts.join('.') : ['internal', ...parts].join('.');
}

/** `PRIV@level` keys of the declared grants. */
export function grantKeys(grants: readonly GrantSpec[]): Set<string> {
  const out = new Set<string>();
  for (const g of grants) for (const p of g.privileges) out.add(`${p}@${levelOf(g)}`);
  return out;
}

export const splitKey = (key: string): { privilege: string; level: string } => {
  const at = key.indexOf('@');
  return { privilege: key.slice(0, at), level: key.slice(at + 1) };
};

/** The ON clause for a level key: `internal.db1.*` as `` `internal`.`db1`.* ``, groups quoted as names. */
export function onClause(level: string): string {
  const m = /^(WORKLOAD GROUP|RESOURCE) (.*)$/.exec(level);
  if (m !== null) return `${m[1]} '${(m[2] ?? '').replaceAll("'", "''")}'`;
  return level
    .split('.')
    .map((p) => (p === '*' ? p : `\`${p}\``))
    .join('.');
}

/** What Doris holds for one account, read from its SHOW GRANTS row. */
export interface ObservedUser {
  readonly name: string;
  readonly host: string;
  readonly roles: ReadonlySet<string>;
  /** `PRIV@level` keys, through any role (Doris prints the merge). */
  readonly grants: ReadonlySet<string>;
}

/** `'app'@'%'` into its name and host. */
export function parseIdentity(s: string): { name: string; host: string } | undefined {
  const m = /^'(.*)'@'(.*)'$/.exec(s) ?? /^'(.*)'@\['(.*)'\]$/.exec(s);
  return m === null ? undefined : { name: m[1] ?? '', host: m[2] ?? '' };
}

const privilegeOf = (printed: string): string => printed.trim().toUpperCase();

/** `internal.db1: Select_priv,Load_priv; internal.mysql: Select_priv` into keys at `level(name)`. */
function cellKeys(cell: unknown, level: (name: string) => string, into: Set<string>): void {
  if (typeof cell !== 'string' || cell === '' || cell === '\\N') return;
  for (const entry of cell.split('; ')) {
    const colon = entry.lastIndexOf(': ');
    if (colon < 0) continue;
    const name = entry.slice(0, colon);
    for (const p of entry.slice(colon + 2).split(','))
      if (p.trim() !== '') into.add(`${privilegeOf(p)}@${level(name)}`);
  }
}

export function observeGrants(rows: readonly Row[]): Map<string, ObservedUser> {
  const out = new Map<string, ObservedUser>();
  for (const r of rows) {
    const id = parseIdentity(String(r.UserIdentity ?? ''));
    if (id === undefined) continue;
    const grants = new Set<string>();
    const global = r.GlobalPrivs;
    if (typeof global === 'string' && global !== '')
      for (const p of global.split(',')) if (p.trim() !== '') grants.add(`${privilegeOf(p)}@*.*.*`);
    cellKeys(r.CatalogPrivs, (n) => `${n}.*.*`, grants);
    cellKeys(r.DatabasePrivs, (n) => `${n}.*`, grants);
    cellKeys(r.TablePrivs, (n) => n, grants);
    cellKeys(r.WorkloadGroupPrivs, (n) => `WORKLOAD GROUP ${n}`, grants);
    cellKeys(r.ResourcePrivs, (n) => `RESOURCE ${n}`, grants);
    const roles = new Set(
      String(r.Roles ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '' && !x.startsWith('default_role_rbac_')),
    );
    out.set(identityKey(id), { ...id, roles, grants });
  }
  return out;
}

export const identityKey = (u: { name: string; host: string }): string => `${u.name}@${u.host}`;
