/**
 * What to run in Doris so its accounts match a DorisInitializer (pure). Users the initializer does
 * not list are never in the plan. Grants and roles are added when Doris lacks them, and revoked
 * only when the operator granted them (recorded in status: what it added, never what Doris already
 * showed) and they are no longer declared: privileges a human granted, or that come with a role,
 * are left alone, even when the spec once declared them too.
 */
import type { ResolvedInitializerSpec } from '../api/v1alpha1/index.ts';
import { passwordHash } from '../doris/password.ts';
import { grantKeys, identityKey, type ObservedUser, onClause, splitKey } from './grants.ts';

type DeclaredUser = ResolvedInitializerSpec['users'][number];

/** What the status remembers about a user the operator applied. */
export interface UserRecord {
  readonly name: string;
  readonly host: string;
  readonly state: 'Present' | 'Absent' | 'Pending' | 'Failed';
  readonly message?: string | undefined;
  readonly passwordVersion?: string | undefined;
  readonly roles?: string[] | undefined;
  readonly grants?: string[] | undefined;
  /** The user properties last set (default workload group, resource tags). */
  readonly properties?: string | undefined;
}

/** One statement; `password` marks the parameter to send as a secret. */
export interface Step {
  readonly sql: string;
  readonly values: readonly (string | { readonly password: string })[];
  /** For logs and events (never the password). */
  readonly what: string;
}

export interface UserPlan {
  readonly user: { readonly name: string; readonly host: string };
  readonly steps: readonly Step[];
  /** The record to keep once every step succeeded. */
  readonly record: UserRecord;
}

/** A user's password as read from its Secret, with the Secret's resourceVersion. */
export interface PasswordRead {
  readonly password: string;
  readonly version: string;
}

const who = (u: { name: string; host: string }) => `'${u.name}'@'${u.host}'`;

export function planUser(
  declared: DeclaredUser,
  observed: ObservedUser | undefined,
  previous: UserRecord | undefined,
  password: PasswordRead | undefined,
): UserPlan {
  const user = { name: declared.name, host: declared.host };
  const id: Step['values'] = [declared.name, declared.host];
  if (declared.ensure === 'absent') {
    return {
      user,
      steps:
        observed === undefined
          ? []
          : [{ sql: 'DROP USER IF EXISTS ?@?', values: id, what: `drop ${who(user)}` }],
      record: { ...user, state: 'Absent' },
    };
  }
  if (password === undefined) throw new Error('a present user needs its password');
  const steps: Step[] = [];
  if (observed === undefined) {
    steps.push({
      sql: 'CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY PASSWORD ?',
      values: [...id, { password: passwordHash(password.password) }],
      what: `create ${who(user)}`,
    });
  } else if (previous?.passwordVersion !== password.version) {
    steps.push({
      sql: 'SET PASSWORD FOR ?@? = ?',
      values: [...id, { password: passwordHash(password.password) }],
      what: `set the password of ${who(user)}`,
    });
  }

  const holdsRoles = observed?.roles ?? new Set<string>();
  const addRoles = declared.roles.filter((r) => !holdsRoles.has(r));
  if (addRoles.length > 0)
    steps.push({
      sql: `GRANT ${addRoles.map(() => '?').join(', ')} TO ?@?`,
      values: [...addRoles, ...id],
      what: `grant role ${addRoles.join(', ')} to ${who(user)}`,
    });
  const dropRoles = (previous?.roles ?? []).filter((r) => !declared.roles.includes(r) && holdsRoles.has(r));
  if (dropRoles.length > 0)
    steps.push({
      sql: `REVOKE ${dropRoles.map(() => '?').join(', ')} FROM ?@?`,
      values: [...dropRoles, ...id],
      what: `revoke role ${dropRoles.join(', ')} from ${who(user)}`,
    });

  const want = grantKeys(declared.grants);
  const holds = observed?.grants ?? new Set<string>();
  for (const [level, privs] of byLevel([...want].filter((k) => !holds.has(k))))
    steps.push({
      sql: `GRANT ${privs.join(', ')} ON ${onClause(level)} TO ?@?`,
      values: id,
      what: `grant ${privs.join(', ')} on ${level} to ${who(user)}`,
    });
  const stale = (previous?.grants ?? []).filter((k) => !want.has(k) && holds.has(k));
  for (const [level, privs] of byLevel(stale))
    steps.push({
      sql: `REVOKE ${privs.join(', ')} ON ${onClause(level)} FROM ?@?`,
      values: id,
      what: `revoke ${privs.join(', ')} on ${level} from ${who(user)}`,
    });

  const props: string[] = [];
  const propValues: string[] = [];
  if (declared.defaultWorkloadGroup !== undefined) {
    props.push("'default_workload_group' = ?");
    propValues.push(declared.defaultWorkloadGroup);
  }
  if (declared.resourceTags !== undefined) {
    props.push("'resource_tags.location' = ?");
    propValues.push(declared.resourceTags.join(','));
  }
  const propsApplied =
    props.length === 0 ? undefined : props.map((p, i) => p.replace('?', propValues[i] ?? '')).join(', ');
  if (propsApplied !== undefined && (observed === undefined || previous?.properties !== propsApplied))
    steps.push({
      sql: `SET PROPERTY FOR ? ${props.join(', ')}`,
      values: [declared.name, ...propValues],
      what: `set the properties of ${declared.name}`,
    });

  return {
    user,
    steps,
    record: {
      ...user,
      state: 'Present',
      passwordVersion: password.version,
      // Only what the operator granted, now or before: what a human or a role gave stays theirs.
      roles: [
        ...new Set([...addRoles, ...(previous?.roles ?? []).filter((r) => declared.roles.includes(r))]),
      ].sort(),
      grants: [
        ...new Set([
          ...[...want].filter((k) => !holds.has(k)),
          ...(previous?.grants ?? []).filter((k) => want.has(k)),
        ]),
      ].sort(),
      ...(propsApplied === undefined ? {} : { properties: propsApplied }),
    },
  };
}

/** Groups `PRIV@level` keys by level, privileges in a stable order. */
function byLevel(keys: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const k of [...keys].sort()) {
    const { privilege, level } = splitKey(k);
    out.set(level, [...(out.get(level) ?? []), privilege]);
  }
  return out;
}

export const userKey = identityKey;
