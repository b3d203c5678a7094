/**
 * Users, passwords and privileges. Passwords are kept as MySQL's two-stage SHA-1 (what
 * `PASSWORD('x')` prints after the `*`), which is also what mysql_native_password needs to check a
 * login. root (role `operator`: NODE and ADMIN) and admin (role `admin`) start with empty passwords.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { accessDenied, DorisError, ddlError, privilegeDenied } from '../errors.ts';

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

const ROLES: Readonly<Record<string, readonly Privilege[]>> = {
  operator: ['NODE', 'ADMIN'],
  admin: ['ADMIN'],
};

export interface User {
  readonly name: string;
  readonly host: string;
  /** SHA1(SHA1(password)); undefined for an empty password. */
  stage2?: Buffer;
  readonly roles: Set<string>;
  readonly globalPrivs: Set<Privilege>;
  /** `db.*` level grants, by database name. */
  readonly dbPrivs: Map<string, Set<Privilege>>;
}

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
    throw ddlError('Password hash should be a 41-digit hexadecimal number');
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

export class Auth {
  readonly users: User[] = [];

  constructor() {
    this.users.push(newUser('root', '%', ['operator']), newUser('admin', '%', ['admin']));
  }

  /** The account a login as `name` from `clientHost` uses: an exact host first, then `%`. */
  find(name: string, clientHost = '%'): User | undefined {
    return (
      this.users.find((u) => u.name === name && u.host === clientHost) ??
      this.users.find((u) => u.name === name && u.host === '%')
    );
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

  has(user: User, priv: Privilege, db?: string): boolean {
    const privs = new Set<Privilege>(user.globalPrivs);
    for (const role of user.roles) for (const p of ROLES[role] ?? []) privs.add(p);
    if (privs.has(priv)) return true;
    // ADMIN_PRIV covers everything but NODE_PRIV.
    if (priv !== 'NODE' && privs.has('ADMIN')) return true;
    return db !== undefined && (user.dbPrivs.get(db)?.has(priv) ?? false);
  }

  /** Throws 1227 unless the user holds one of `privs`. */
  require(user: User, privs: readonly Privilege[], db?: string): void {
    if (!privs.some((p) => this.has(user, p, db))) throw privilegeDenied(privs.join('/'));
  }

  createUser(
    name: string,
    host: string,
    stage2: Buffer | undefined,
    ifNotExists: boolean,
    role?: string,
  ): void {
    if (this.users.some((u) => u.name === name && u.host === host)) {
      if (ifNotExists) return;
      throw new DorisError(
        1396,
        'HY000',
        `errCode = 2, detailMessage = Operation CREATE USER failed for '${name}'@'${host}'`,
      );
    }
    if (role !== undefined && ROLES[role] === undefined) throw ddlError(`Role: ${role} does not exist`);
    const user = newUser(name, host, role === undefined ? [] : [role]);
    user.stage2 = stage2;
    this.users.push(user);
  }

  dropUser(name: string, host: string, ifExists: boolean): void {
    if (name === 'root' || name === 'admin') throw ddlError(`Can not drop user ${name}`);
    const i = this.users.findIndex((u) => u.name === name && u.host === host);
    if (i < 0) {
      if (ifExists) return;
      throw new DorisError(
        1396,
        'HY000',
        `errCode = 2, detailMessage = Operation DROP USER failed for '${name}'@'${host}'`,
      );
    }
    this.users.splice(i, 1);
  }

  /** GRANT privs ON level TO user, or GRANT 'role' TO user. */
  grant(
    target: { name: string; host: string },
    what: { privs: Privilege[]; level: string } | { role: string },
  ): void {
    const user = this.users.find((u) => u.name === target.name && u.host === target.host);
    if (user === undefined) throw ddlError(`user ${identity(target)} does not exist`);
    if ('role' in what) {
      if (ROLES[what.role] === undefined) throw ddlError(`Role: ${what.role} does not exist`);
      user.roles.add(what.role);
      return;
    }
    const global = /^\*(\.\*){1,2}$/.test(what.level) || /^internal\.\*\.\*$/.test(what.level);
    if (!global && what.privs.some((p) => p === 'NODE' || p === 'ADMIN')) {
      throw ddlError(
        `${what.privs.includes('NODE') ? 'Node_priv' : 'Admin_priv'} privilege can only be granted on *.*.*`,
      );
    }
    if (global) for (const p of what.privs) user.globalPrivs.add(p);
    else {
      const db = what.level.split('.').slice(-2, -1)[0] ?? what.level;
      const set = user.dbPrivs.get(db) ?? new Set<Privilege>();
      for (const p of what.privs) set.add(p);
      user.dbPrivs.set(db, set);
    }
  }

  setPassword(target: { name: string; host: string }, stage2: Buffer | undefined): void {
    const user =
      this.users.find((u) => u.name === target.name && u.host === target.host) ?? this.find(target.name);
    if (user === undefined) throw ddlError(`user ${identity(target)} does not exist`);
    user.stage2 = stage2;
  }

  /** SHOW GRANTS rows (2.1 columns) for the given users. */
  grantRows(users: readonly User[]): (string | null)[][] {
    return users.map((u) => {
      const global = new Set<Privilege>(u.globalPrivs);
      for (const role of u.roles) for (const p of ROLES[role] ?? []) global.add(p);
      const dbs = [...u.dbPrivs].map(
        ([db, privs]) => `internal.${db}: ${[...privs].map(privName).join(',')}`,
      );
      return [
        identity(u),
        '',
        u.stage2 === undefined ? 'No' : 'Yes',
        [...u.roles].join(','),
        global.size === 0 ? null : [...global].map(privName).join(','),
        null,
        dbs.length === 0 ? null : dbs.join('; '),
        null,
        null,
        null,
        null,
      ];
    });
  }
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

const privName = (p: Privilege): string => `${p.charAt(0)}${p.slice(1).toLowerCase()}_priv`;

function newUser(name: string, host: string, roles: string[]): User {
  return { name, host, roles: new Set(roles), globalPrivs: new Set(), dbPrivs: new Map() };
}
