/**
 * Users, roles, passwords and privileges, as Doris 2.1 keeps them (fe-core mysql/privilege/Auth.java,
 * Role.java, RoleManager.java; analysis/TablePattern.java, GrantStmt.java, RevokeStmt.java; branch-2.1
 * at 2.1.8). A user's privileges live in roles: its own default role `default_role_rbac_<user>@<host>`
 * (what GRANT ... TO user and REVOKE ... FROM user change) and the roles granted to it; what it may
 * do, and what SHOW GRANTS prints, is the merge of all of them. Passwords are kept as MySQL's
 * two-stage SHA-1 (what `PASSWORD('x')` prints after the `*`), which is also what
 * mysql_native_password needs to check a login. root (role `operator`: NODE and ADMIN) and admin
 * (role `admin`) start with empty passwords.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { accessDenied, DorisError, ddlError, privilegeDenied } from '../errors.ts';

/** In Doris' bit order (Privilege.java), which is the order SHOW GRANTS prints them in. */
export const PRIVILEGES = [
  'NODE',
  'ADMIN',
  'GRANT',
  'SELECT',
  'LOAD',
  'ALTER',
  'CREATE',
  'DROP',
  'USAGE',
  'SHOW_VIEW',
] as const;
export type Privilege = (typeof PRIVILEGES)[number];

/** What a GRANT or REVOKE names: a table pattern (ctl.db.tbl, `*` wildcards), a workload group or a resource. */
export type GrantTarget =
  | { readonly kind: 'table'; readonly ctl: string; readonly db: string; readonly tbl: string }
  | { readonly kind: 'workloadGroup'; readonly name: string }
  | { readonly kind: 'resource'; readonly name: string };

/** Privilege tables of one role, keyed by the level's printed name (`internal.db1`, `internal.db1.t1`). */
interface PrivTables {
  readonly global: Set<Privilege>;
  readonly catalogs: Map<string, Set<Privilege>>;
  readonly dbs: Map<string, Set<Privilege>>;
  readonly tables: Map<string, Set<Privilege>>;
  readonly workloadGroups: Map<string, Set<Privilege>>;
  readonly resources: Map<string, Set<Privilege>>;
}

export interface User {
  readonly name: string;
  readonly host: string;
  /** SHA1(SHA1(password)); undefined for an empty password. */
  stage2?: Buffer;
  readonly comment: string;
  /** Roles granted, without the user's own default role. */
  readonly roles: Set<string>;
}

const defaultRolePrefix = 'default_role_rbac_';
const defaultRoleOf = (u: { name: string; host: string }) => `${defaultRolePrefix}${u.name}@${u.host}`;

const sha1 = (data: Buffer | string): Buffer => createHash('sha1').update(data).digest();

export const stage2Of = (password: string): Buffer | undefined =>
  password === '' ? undefined : sha1(sha1(password));

/** `*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9`, as PASSWORD('123456') prints it. */
export const passwordHash = (password: string): string => {
  const s = stage2Of(password);
  return s === undefined ? '' : `*${s.toString('hex').toUpperCase()}`;
};

export function parsePasswordHash(hash: string): Buffer | undefined {
  if (hash === '') return undefined;
  if (!/^\*[0-9A-Fa-f]{40}$/.test(hash)) {
    throw new DorisError(
      1372,
      'HY000',
      'errCode = 2, detailMessage = Password hash should be a 41-digit hexadecimal number',
    );
  }
  return Buffer.from(hash.slice(1), 'hex');
}

/** mysql_native_password: token = SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))). */
export function scrambleMatches(stage2: Buffer | undefined, scramble: Buffer, token: Buffer): boolean {
  if (stage2 === undefined) return token.length === 0;
  if (token.length !== 20) return false;
  const mask = sha1(Buffer.concat([scramble, stage2]));
  const stage1 = Buffer.alloc(20);
  for (let i = 0; i < 20; i++) stage1[i] = (token[i] ?? 0) ^ (mask[i] ?? 0);
  return timingSafeEqual(sha1(stage1), stage2);
}

export const identity = (u: { name: string; host: string }): string => `'${u.name}'@'${u.host}'`;

/** The level of a table pattern (TablePattern.getPrivLevel), and its printed name. */
function levelOf(t: { ctl: string; db: string; tbl: string }): {
  level: 'global' | 'catalog' | 'db' | 'table';
  key: string;
} {
  if (t.ctl === '*') return { level: 'global', key: '*.*.*' };
  if (t.db === '*') return { level: 'catalog', key: t.ctl };
  if (t.tbl === '*') return { level: 'db', key: `${t.ctl}.${t.db}` };
  return { level: 'table', key: `${t.ctl}.${t.db}.${t.tbl}` };
}

/** The catalog, database and table a GRANT's `ON` names; 1- and 2-part patterns are in `internal`. */
export function tablePattern(parts: readonly string[]): { ctl: string; db: string; tbl: string } {
  const [a = '*', b, c] = parts;
  const t =
    parts.length === 3 ? { ctl: a, db: b ?? '*', tbl: c ?? '*' } : { ctl: 'internal', db: a, tbl: b ?? '*' };
  // A named level under a wildcard one (TablePattern.analyze).
  if ((t.ctl === '*' && (t.db !== '*' || t.tbl !== '*')) || (t.db === '*' && t.tbl !== '*'))
    throw ddlError(`Do not support format: ${t.ctl}.${t.db}.${t.tbl}`);
  return t;
}

export const privName = (p: Privilege): string => `${p.charAt(0)}${p.slice(1).toLowerCase()}_priv`;
const printPrivs = (s: ReadonlySet<Privilege>) =>
  PRIVILEGES.filter((p) => s.has(p))
    .map(privName)
    .join(',');

function emptyTables(): PrivTables {
  return {
    global: new Set(),
    catalogs: new Map(),
    dbs: new Map(),
    tables: new Map(),
    workloadGroups: new Map(),
    resources: new Map(),
  };
}

const addTo = (m: Map<string, Set<Privilege>>, key: string, privs: Iterable<Privilege>) => {
  const s = m.get(key) ?? new Set<Privilege>();
  for (const p of privs) s.add(p);
  m.set(key, s);
};

/** How a release checks the names a GRANT targets: not at all, always, or unless CREATE_PRIV is granted. */
export type GrantNameCheck = 'none' | 'strict' | 'unlessCreate';

export class Auth {
  readonly users: User[] = [];
  readonly roles = new Map<string, PrivTables>();
  /** Workload groups (`normal` is built in); resource_groups/WorkloadGroupMgr. */
  readonly workloadGroups = new Set<string>(['normal']);
  /** User properties by user name (UserPropertyMgr: per name, not per host). */
  private readonly properties = new Map<string, Map<string, string>>();

  constructor() {
    this.roles.set('operator', { ...emptyTables(), global: new Set(['NODE', 'ADMIN']) });
    this.roles.set('admin', { ...emptyTables(), global: new Set(['ADMIN']) });
    this.addUser('root', '%', 'ROOT', ['operator']);
    this.addUser('admin', '%', 'ADMIN', ['admin']);
  }

  /** The account a login as `name` from `clientHost` uses: an exact host first, then `%`. */
  find(name: string, clientHost = '%'): User | undefined {
    return (
      this.users.find((u) => u.name === name && u.host === clientHost) ??
      this.users.find((u) => u.name === name && u.host === '%')
    );
  }

  private exact(u: { name: string; host: string }): User | undefined {
    return this.users.find((x) => x.name === u.name && x.host === u.host);
  }

  /** Checks a mysql_native_password login; throws 1045 the way Doris words it. */
  login(name: string, clientHost: string, scramble: Buffer, token: Buffer): User {
    const user = this.find(name, clientHost);
    if (user === undefined || !scrambleMatches(user.stage2, scramble, token)) {
      throw accessDenied(name, clientHost, token.length > 0);
    }
    return user;
  }

  /** A login with a plain password, as the entrypoints' mysql client makes it. */
  loginPlain(name: string, clientHost: string, password: string): User {
    const user = this.find(name, clientHost);
    const given = stage2Of(password);
    const ok =
      user !== undefined && (user.stage2 === undefined ? given === undefined : given?.equals(user.stage2));
    if (!ok) throw accessDenied(name, clientHost, password !== '');
    return user;
  }

  /** Everything a user holds: its default role merged with the roles granted to it. */
  private merged(user: User): PrivTables {
    const out = emptyTables();
    for (const name of [defaultRoleOf(user), ...user.roles]) {
      const r = this.roles.get(name);
      if (r === undefined) continue;
      for (const p of r.global) out.global.add(p);
      for (const k of ['catalogs', 'dbs', 'tables', 'workloadGroups', 'resources'] as const)
        for (const [key, privs] of r[k]) addTo(out[k], key, privs);
    }
    return out;
  }

  has(user: User, priv: Privilege, db?: string): boolean {
    const t = this.merged(user);
    const at = (s: ReadonlySet<Privilege> | undefined) =>
      s !== undefined && (s.has(priv) || (priv !== 'NODE' && s.has('ADMIN')));
    if (at(t.global)) return true;
    return db !== undefined && (at(t.catalogs.get('internal')) || at(t.dbs.get(`internal.${db}`)));
  }

  /** Throws 1227 unless the user holds one of `privs`. */
  require(user: User, privs: readonly Privilege[], db?: string): void {
    if (!privs.some((p) => this.has(user, p, db))) throw privilegeDenied(privs.join('/'));
  }

  private addUser(name: string, host: string, comment: string, roles: string[]): User {
    const user: User = { name, host, comment, roles: new Set(roles) };
    this.users.push(user);
    // RoleManager.createDefaultRole: every user may read information_schema and mysql, and use `normal`.
    const own = emptyTables();
    addTo(own.dbs, 'internal.information_schema', ['SELECT']);
    addTo(own.dbs, 'internal.mysql', ['SELECT']);
    addTo(own.workloadGroups, 'normal', ['USAGE']);
    this.roles.set(defaultRoleOf(user), own);
    return user;
  }

  /** Auth.createUserInternal: the role is checked before the user. */
  createUser(
    name: string,
    host: string,
    stage2: Buffer | undefined,
    ifNotExists: boolean,
    role?: string,
  ): void {
    if (name === 'root')
      throw new DorisError(5064, '42000', 'errCode = 2, detailMessage = Can not create root user');
    if (role !== undefined && role.toLowerCase() === 'operator')
      throw ddlError(`Can not granted user to role: ${role}`);
    if (role !== undefined && !this.roles.has(role)) throw ddlError(`Role: ${role} does not exist`);
    if (this.exact({ name, host }) !== undefined) {
      if (ifNotExists) return;
      throw ddlError(`User ${identity({ name, host })} already exist`);
    }
    const user = this.addUser(name, host, '', role === undefined ? [] : [role]);
    user.stage2 = stage2;
  }

  dropUser(name: string, host: string, ifExists: boolean): void {
    if (name === 'root' || name === 'admin')
      throw new DorisError(5064, '42000', 'errCode = 2, detailMessage = Can not drop system user');
    const i = this.users.findIndex((u) => u.name === name && u.host === host);
    if (i < 0) {
      if (ifExists) return;
      throw ddlError(`User \`${name}\`@\`${host}\` does not exist.`);
    }
    const [user] = this.users.splice(i, 1);
    if (user !== undefined) this.roles.delete(defaultRoleOf(user));
  }

  /** SET PASSWORD (UserManager.setPassword): the exact identity, reported as 1228 like any SET error. */
  setPassword(target: { name: string; host: string }, stage2: Buffer | undefined): void {
    const user = this.exact(target);
    if (user === undefined)
      throw new DorisError(
        1228,
        'HY000',
        `errCode = 2, detailMessage = user ${identity(target)} does not exist`,
      );
    user.stage2 = stage2;
  }

  /** ALTER USER ... IDENTIFIED BY (Auth.alterUserInternal). */
  alterPassword(target: { name: string; host: string }, stage2: Buffer | undefined): void {
    const user = this.exact(target);
    if (user === undefined) throw ddlError(`User ${identity(target)} does not exist`);
    user.stage2 = stage2;
  }

  createRole(name: string, ifNotExists: boolean): void {
    checkRoleName(name, 'Can not create role');
    if (this.roles.has(name)) {
      if (ifNotExists) return;
      throw ddlError(
        `Role role: ${name}, db table privs: {}, resource privs: {}, workload group privs: {} already exists`,
      );
    }
    this.roles.set(name, emptyTables());
  }

  dropRole(name: string, ifExists: boolean): void {
    checkRoleName(name, 'Can not drop role');
    if (!this.roles.delete(name)) {
      if (ifExists) return;
      throw ddlError(`Role ${name} does not exist`);
    }
    for (const u of this.users) u.roles.delete(name);
  }

  /**
   * GRANT privs ON target TO user or ROLE (GrantStmt.analyze, Auth.grantInternal). `exists` says
   * whether a database or table exists, checked as the release does (Auth.checkTablePatternExist:
   * `check`). A role that does not exist is created.
   */
  grant(
    to: { user: { name: string; host: string } } | { role: string },
    privs: readonly Privilege[],
    target: GrantTarget,
    exists: (db: string, tbl?: string) => boolean,
    check: GrantNameCheck = 'unlessCreate',
  ): void {
    if ('role' in to) checkRoleName(to.role, 'Can not grant to role');
    const tables = this.checkedTables(privs, target, 'granted', () => {
      if (
        target.kind !== 'table' ||
        check === 'none' ||
        (check === 'unlessCreate' && privs.includes('CREATE'))
      )
        return;
      const { level } = levelOf(target);
      if (level === 'global' || level === 'catalog' || target.ctl !== 'internal') return;
      if (!exists(target.db)) throw ddlError(`database:${target.db} does not exist`);
      if (level === 'table' && !exists(target.db, target.tbl))
        throw ddlError(`table:${target.tbl} does not exist`);
    });
    let role: string;
    if ('user' in to) {
      const user = this.exact(to.user);
      if (user === undefined) throw ddlError(`user ${identity(to.user)} does not exist`);
      role = defaultRoleOf(user);
    } else role = to.role;
    const r = this.roles.get(role) ?? emptyTables();
    this.roles.set(role, r);
    tables.add(r, privs);
  }

  /** REVOKE privs ON target FROM user or ROLE (Auth.revokeInternal; Role.revokePrivs). */
  revoke(
    from: { user: { name: string; host: string } } | { role: string },
    privs: readonly Privilege[],
    target: GrantTarget,
  ): void {
    if ('role' in from) checkRoleName(from.role, 'Can not revoke from role');
    const tables = this.checkedTables(privs, target, 'revoke', () => undefined);
    const role = 'user' in from ? defaultRoleOf(from.user) : from.role;
    const r = this.roles.get(role);
    if (r === undefined) throw ddlError(`Role ${role} does not exist`);
    tables.remove(r, privs, role);
  }

  /** GRANT 'r1','r2' TO user. */
  grantRoles(roles: readonly string[], to: { name: string; host: string }): void {
    for (const r of roles) if (r.toLowerCase() === 'operator') throw ddlError(`Can not grant role: ${r}`);
    const user = this.exact(to);
    if (user === undefined) throw ddlError(`user: ${identity(to)} does not exist`);
    for (const r of roles) if (!this.roles.has(r)) throw ddlError(`role:${r} does not exist`);
    for (const r of roles) user.roles.add(r);
  }

  /** REVOKE 'r1','r2' FROM user: a role the user does not have is no error. */
  revokeRoles(roles: readonly string[], from: { name: string; host: string }): void {
    for (const r of roles) if (r.toLowerCase() === 'operator') throw ddlError(`Can not revoke role: ${r}`);
    if (from.name === 'admin' && roles.includes('admin')) throw ddlError('Unsupported operation');
    const user = this.exact(from);
    if (user === undefined) throw ddlError(`user: ${identity(from)} does not exist`);
    for (const r of roles) if (!this.roles.has(r)) throw ddlError(`role:${r} does not exist`);
    for (const r of roles) user.roles.delete(r);
  }

  /** The analysis rules shared by GRANT and REVOKE, and the privilege table the target lives in. */
  private checkedTables(
    privs: readonly Privilege[],
    target: GrantTarget,
    verb: 'granted' | 'revoke',
    existence: () => void,
  ): {
    add: (r: PrivTables, privs: readonly Privilege[]) => void;
    remove: (r: PrivTables, privs: readonly Privilege[], role: string) => void;
  } {
    if (target.kind !== 'table') {
      const wrong = privs.find((p) => p !== 'GRANT' && p !== 'USAGE');
      if (wrong !== undefined)
        throw ddlError(`Can not grant/revoke ${privName(wrong)} to/from any other users or roles`);
      const map = (r: PrivTables) => (target.kind === 'workloadGroup' ? r.workloadGroups : r.resources);
      return {
        add: (r, p) => addTo(map(r), target.name, p),
        remove: (r, p, role) => removeFrom(map(r), target.name, p, role),
      };
    }
    if (privs.includes('USAGE'))
      throw ddlError('Can not grant/revoke Usage_priv to/from any other users or roles');
    const { level, key } = levelOf(target);
    if (level !== 'global' && privs.some((p) => p === 'ADMIN' || p === 'NODE'))
      throw ddlError('ADMIN_PRIV and NODE_PRIV can only be granted/revoke on/from *.*.*');
    if (verb === 'granted') existence();
    if (level === 'global')
      return {
        add: (r, p) => {
          for (const x of p) r.global.add(x);
        },
        remove: (r, p) => {
          for (const x of p) r.global.delete(x);
        },
      };
    const map = (r: PrivTables) => (level === 'catalog' ? r.catalogs : level === 'db' ? r.dbs : r.tables);
    const printed = level === 'catalog' ? `${key}.*.*` : level === 'db' ? `${key}.*` : key;
    return {
      add: (r, p) => addTo(map(r), key, p),
      remove: (r, p, role) => removeFrom(map(r), key, p, role, printed),
    };
  }

  createWorkloadGroup(name: string, ifNotExists: boolean): void {
    if (this.workloadGroups.has(name)) {
      if (ifNotExists) return;
      throw ddlError(`workload group ${name} already exist`);
    }
    this.workloadGroups.add(name);
  }

  /**
   * SET PROPERTY (UserProperty.update, branch-2.1): default_workload_group must exist;
   * resource_tags.location takes comma-separated tag values, empty to clear.
   */
  setProperties(user: string, props: readonly { key: string; value: string | null }[]): void {
    if (!this.users.some((u) => u.name === user)) throw ddlError(`Unknown user(${user})`);
    const next = new Map(this.properties.get(user) ?? []);
    for (const { key, value } of props) {
      const v = value ?? '';
      if (key === 'default_workload_group') {
        if (!this.workloadGroups.has(v)) throw ddlError(`workload group ${v} not exists`);
        next.set(key, v);
      } else if (key.startsWith('resource_tags')) {
        const parts = key.split('.');
        if (parts.length !== 2) throw ddlError('resource_tags format error');
        if (parts[1] !== 'location') throw ddlError('Only support location tag now');
        const tags = v
          .replace(/\s/g, '')
          .split(',')
          .filter((t) => t !== '');
        for (const t of tags)
          if (!/^[a-zA-Z][a-zA-Z0-9_]{0,32}$/.test(t)) throw ddlError(`Invalid tag value format: ${t}`);
        next.set('resource_tags', tags.map((t) => `{"location" : "${t}"}`).join(', '));
      } else if (key in propertyDefaults) next.set(key, v);
      else throw ddlError(`Unknown property key: ${key}`);
    }
    this.properties.set(user, next);
  }

  /** SHOW PROPERTY FOR user: Key, Value sorted by key; an unknown user has no rows. */
  propertyRows(user: string): string[][] {
    if (!this.users.some((u) => u.name === user)) return [];
    const mine = this.properties.get(user);
    return Object.keys(propertyDefaults)
      .sort()
      .map((k) => [k, mine?.get(k) ?? propertyDefaults[k] ?? '']);
  }

  /** SHOW GRANTS rows (2.1 columns; AuthProcDir, Auth.getUserAuthInfo) for the given users. */
  grantRows(users: readonly User[]): (string | null)[][] {
    return users.map((u) => {
      const t = this.merged(u);
      const cell = (m: Map<string, Set<Privilege>>) => {
        const parts = [...m]
          .filter(([, s]) => s.size > 0)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, s]) => `${k}: ${printPrivs(s)}`);
        return parts.length === 0 ? null : parts.join('; ');
      };
      return [
        identity(u),
        u.comment,
        u.stage2 === undefined ? 'No' : 'Yes',
        [...u.roles].join(','),
        t.global.size === 0 ? null : printPrivs(t.global),
        cell(t.catalogs),
        cell(t.dbs),
        cell(t.tables),
        null,
        cell(t.resources),
        cell(t.workloadGroups),
      ];
    });
  }
}

function removeFrom(
  m: Map<string, Set<Privilege>>,
  key: string,
  privs: readonly Privilege[],
  role: string,
  printed = key,
): void {
  const s = m.get(key);
  if (s === undefined) throw ddlError(`${printed} does not exist in role ${role}`);
  for (const p of privs) s.delete(p);
  if (s.size === 0) m.delete(key);
}

const propertyDefaults: Readonly<Record<string, string>> = {
  allow_resource_tag_downgrade: 'false',
  cpu_resource_limit: '-1',
  default_load_cluster: '',
  default_workload_group: 'normal',
  exec_mem_limit: '-1',
  insert_timeout: '-1',
  max_query_instances: '-1',
  max_user_connections: '100',
  parallel_fragment_exec_instance_num: '-1',
  query_timeout: '-1',
  resource_tags: '',
  sql_block_rules: '',
};

/** FeNameFormat.checkRoleName: built-in and default roles are not to be touched. */
function checkRoleName(role: string, what: string): void {
  const lower = role.toLowerCase();
  if (lower === 'operator' || lower === 'admin' || role.startsWith(defaultRolePrefix))
    throw ddlError(`${what}: ${role}`);
  if (!/^[a-zA-Z][a-zA-Z0-9\-_]{0,63}$/.test(role)) throw ddlError(`invalid role format: ${role}`);
}

export const GRANT_COLUMNS = [
  'UserIdentity',
  'Comment',
  'Password',
  'Roles',
  'GlobalPrivs',
  'CatalogPrivs',
  'DatabasePrivs',
  'TablePrivs',
  'ColPrivs',
  'ResourcePrivs',
  'WorkloadGroupPrivs',
];
