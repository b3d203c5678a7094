/**
 * Users, roles, passwords and grants. Only root may change root's password; account statements
 * need GRANT_PRIV (CreateUserStmt, GrantStmt, SetPassVar analysis, branch-2.1).
 */
import { ddlError, privilegeDenied } from '../errors.ts';
import { GRANT_COLUMNS, type GrantNameCheck, parsePasswordHash, stage2Of } from '../state/auth.ts';
import { atLeast, type DorisVersion, releaseLine } from '../version.ts';
import { type Handlers, OK, rows } from './session.ts';

const stage2 = (s: { plain?: string; hash?: string }) =>
  s.plain !== undefined ? stage2Of(s.plain) : parsePasswordHash(s.hash ?? '');

export const authHandlers: Handlers = {
  setPassword: (s, x) => {
    const me = x.session.user;
    const target = s.user ?? { name: me.name, host: me.host };
    const self = target.name === me.name;
    if (target.name === 'root' && me.name !== 'root')
      throw ddlError('Can not set password for root user, except root itself');
    if (!self) x.auth.require(me, ['GRANT']);
    const hash = stage2(s);
    x.cluster.write(() => x.auth.setPassword(target, hash));
    return OK;
  },
  alterUserPassword: (s, x) => {
    x.auth.require(x.session.user, ['GRANT']);
    const hash = stage2(s);
    x.cluster.write(() => x.auth.alterPassword(s.user, hash));
    return OK;
  },
  createUser: (s, x) => {
    x.auth.require(x.session.user, ['GRANT']);
    const hash = stage2(s);
    x.cluster.write(() => x.auth.createUser(s.user.name, s.user.host, hash, s.ifNotExists, s.role));
    return OK;
  },
  dropUser: (s, x) => {
    x.auth.require(x.session.user, ['GRANT']);
    x.cluster.write(() => x.auth.dropUser(s.user.name, s.user.host, s.ifExists));
    return OK;
  },
  createRole: (s, x) => {
    x.auth.require(x.session.user, ['GRANT']);
    x.cluster.write(() => x.auth.createRole(s.name, s.ifNotExists));
    return OK;
  },
  dropRole: (s, x) => {
    x.auth.require(x.session.user, ['GRANT']);
    x.cluster.write(() => x.auth.dropRole(s.name, s.ifExists));
    return OK;
  },
  createWorkloadGroup: (s, x) => {
    x.auth.require(x.session.user, ['ADMIN']);
    x.cluster.write(() => x.auth.createWorkloadGroup(s.name, s.ifNotExists));
    return OK;
  },
  setProperty: (s, x) => {
    const me = x.session.user;
    const user = s.user ?? me.name;
    // Resource tags are an advanced property (ADMIN); the workload group is one's own or ADMIN's.
    const advanced = s.props.some((p) => p.key.startsWith('resource_tags'));
    if (advanced || user !== me.name) x.auth.require(me, ['ADMIN']);
    x.cluster.write(() => x.auth.setProperties(user, s.props));
    return OK;
  },
  showProperty: (s, x) => {
    const me = x.session.user;
    const user = s.user ?? me.name;
    if (user !== me.name) x.auth.require(me, ['GRANT']);
    return rows(['Key', 'Value'], x.auth.propertyRows(user));
  },
  grantPrivileges: (s, x) => {
    const me = x.session.user;
    // NODE_PRIV is only granted by a holder of NODE_PRIV; the rest by ADMIN or GRANT holders.
    if (s.privs.includes('NODE') && !x.auth.has(me, 'NODE'))
      throw ddlError('Only user with NODE_PRIV can grant/revoke NODE_PRIV to other user');
    x.auth.require(me, ['GRANT']);
    const catalog = x.cluster.catalog;
    const exists = (db: string, tbl?: string) => {
      const d = catalog.databases.get(db);
      return d !== undefined && (tbl === undefined || d.tables.has(tbl));
    };
    x.cluster.write(() => x.auth.grant(s.to, s.privs, s.target, exists, grantNameCheck(x.fe.version)));
    return OK;
  },
  revokePrivileges: (s, x) => {
    const me = x.session.user;
    if (s.privs.includes('NODE') && !x.auth.has(me, 'NODE'))
      throw ddlError('Only user with NODE_PRIV can grant/revoke NODE_PRIV to other user');
    x.auth.require(me, ['GRANT']);
    x.cluster.write(() => x.auth.revoke(s.to, s.privs, s.target));
    return OK;
  },
  grantRoles: (s, x) => {
    if (!x.auth.has(x.session.user, 'GRANT')) throw privilegeDenied('GRANT/REVOKE');
    x.cluster.write(() => x.auth.grantRoles(s.roles, s.user));
    return OK;
  },
  revokeRoles: (s, x) => {
    if (!x.auth.has(x.session.user, 'GRANT')) throw privilegeDenied('GRANT/REVOKE');
    x.cluster.write(() => x.auth.revokeRoles(s.roles, s.user));
    return OK;
  },
  showGrants: (s, x) => {
    const me = x.session.user;
    if (s.all) {
      x.auth.require(me, ['GRANT']);
      return rows(GRANT_COLUMNS, x.auth.grantRows(x.auth.users));
    }
    if (s.user === undefined) return rows(GRANT_COLUMNS, x.auth.grantRows([me]));
    const target = x.auth.users.find((u) => u.name === s.user?.name && u.host === s.user.host);
    if (target !== me) x.auth.require(me, ['GRANT']);
    if (target === undefined) throw ddlError(`User: '${s.user.name}'@'${s.user.host}' does not exist`);
    return rows(GRANT_COLUMNS, x.auth.grantRows([target]));
  },
};

/**
 * Whether GRANT checks that the database or table it names exists (Auth.checkTablePatternExist,
 * #39597): from 2.1.6 (#39856) and 3.0.3 (after the 3.0.2 release), and 2.0.16; grants holding
 * CREATE_PRIV are exempt from 2.1.8 (#45166; not in branch-3.0 at 965bd371, so not on 3.0).
 */
export function grantNameCheck(v: DorisVersion): GrantNameCheck {
  const line = releaseLine(v);
  if (line === '2.0') return atLeast(v, '2.0.16') ? 'strict' : 'none';
  if (line === '2.1') return atLeast(v, '2.1.8') ? 'unlessCreate' : atLeast(v, '2.1.6') ? 'strict' : 'none';
  return atLeast(v, '3.0.3') ? 'strict' : 'none';
}
