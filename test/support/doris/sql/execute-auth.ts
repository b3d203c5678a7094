/** Users, passwords and grants. Only root may change root's password. */
import { privilegeDenied } from '../errors.ts';
import { GRANT_COLUMNS, parsePasswordHash, stage2Of } from '../state/auth.ts';
import { type Handlers, OK, rows } from './session.ts';

export const authHandlers: Handlers = {
  setPassword: (s, x) => {
    const me = x.session.user;
    const target = s.user ?? { name: me.name, host: me.host };
    const self = target.name === me.name;
    if (!self) x.auth.require(me, ['GRANT']);
    if (target.name === 'root' && me.name !== 'root') throw privilegeDenied('GRANT');
    const stage2 = s.plain !== undefined ? stage2Of(s.plain) : parsePasswordHash(s.hash ?? '');
    x.cluster.write(() => x.auth.setPassword(target, stage2));
    return OK;
  },
  createUser: (s, x) => {
    x.auth.require(x.session.user, ['GRANT']);
    const stage2 = s.plain !== undefined ? stage2Of(s.plain) : parsePasswordHash(s.hash ?? '');
    x.cluster.write(() => x.auth.createUser(s.user.name, s.user.host, stage2, s.ifNotExists, s.role));
    return OK;
  },
  dropUser: (s, x) => {
    x.auth.require(x.session.user, ['GRANT']);
    x.cluster.write(() => x.auth.dropUser(s.user.name, s.user.host, s.ifExists));
    return OK;
  },
  grantPrivileges: (s, x) => {
    x.auth.require(x.session.user, ['GRANT']);
    // NODE_PRIV is only granted by a holder of NODE_PRIV.
    if (s.privs.includes('NODE')) x.auth.require(x.session.user, ['NODE']);
    x.cluster.write(() => x.auth.grant(s.user, { privs: [...s.privs], level: s.level }));
    return OK;
  },
  grantRole: (s, x) => {
    x.auth.require(x.session.user, ['GRANT']);
    x.cluster.write(() => x.auth.grant(s.user, { role: s.role }));
    return OK;
  },
  showGrants: (s, x) => {
    const me = x.session.user;
    if (s.all) {
      x.auth.require(me, ['GRANT']);
      return rows(GRANT_COLUMNS, x.auth.grantRows(x.auth.users));
    }
    const target =
      s.user === undefined ? me : x.auth.users.find((u) => u.name === s.user?.name && u.host === s.user.host);
    if (target !== me) x.auth.require(me, ['GRANT']);
    return rows(GRANT_COLUMNS, target === undefined ? [] : x.auth.grantRows([target]));
  },
};
