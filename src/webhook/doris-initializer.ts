/**
 * DorisInitializer admission. Defaulting writes privileges the way GRANT names them
 * (`select` -> `SELECT_PRIV`) before the schema sees them. Validation reports, each tied to its
 * field, what the CRD cannot say cheaply: which privileges fit which level (Doris refuses ADMIN_PRIV
 * and NODE_PRIV below *.*.* and USAGE_PRIV on tables), the same privilege granted twice, a script
 * with no statement, and a second initializer for a cluster that has one.
 */
import {
  dorisClusterKind,
  dorisInitializerKind,
  dorisInitializerSpecSchema,
  type ResolvedInitializerSpec,
} from '../api/v1alpha1/index.ts';
import { scriptProblems, splitStatements } from '../initializer/statements.ts';
import { builtin, collectionPath, objectPath } from '../kube/resources.ts';
import type { RestClient } from '../kube/rest.ts';
import type { KubeObject } from '../runtime/object.ts';
import type { AdmissionInput, KindAdmission } from './kinds.ts';
import { at, Collector, type Findings } from './problem.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `select`, `Select_priv`, `SELECT` -> `SELECT_PRIV`; anything else is left for the schema to refuse. */
export function defaultDorisInitializer(object: unknown): unknown {
  const copy = structuredClone(object);
  if (!isObject(copy) || !isObject(copy.spec) || !Array.isArray(copy.spec.users)) return copy;
  for (const u of copy.spec.users) {
    if (!isObject(u) || !Array.isArray(u.grants)) continue;
    for (const g of u.grants) {
      if (!isObject(g) || !Array.isArray(g.privileges)) continue;
      g.privileges = g.privileges.map((p) =>
        typeof p === 'string'
          ? `${p
              .trim()
              .toUpperCase()
              .replace(/_PRIV$/, '')}_PRIV`
          : p,
      );
    }
  }
  return copy;
}

export function validateDorisInitializer(
  input: AdmissionInput,
  others: readonly KubeObject[] = [],
  operatorUser?: string,
): Findings {
  const c = new Collector();
  const parsed = dorisInitializerSpecSchema.safeParse((input.object as Json | undefined)?.spec);
  if (!parsed.success) {
    for (const i of parsed.error.issues)
      c.problem(['spec', ...i.path.map(String)].join('.'), undefined, i.message);
    return c.findings();
  }
  const spec = parsed.data;
  checkUsers(spec, c, operatorUser);
  const seen = new Set<string>();
  for (const [i, db] of spec.databases.entries()) {
    if (seen.has(db)) c.problem(at('spec.databases', i), db, `database ${db} is listed twice`);
    seen.add(db);
  }
  for (const [i, s] of spec.initSQL.entries()) {
    if (s.sql === undefined) continue;
    const problems = scriptProblems(s.sql);
    if (problems.length > 0)
      c.problem(`${at('spec.initSQL', i)}.sql`, undefined, `Doris would refuse it: ${problems.join('; ')}`);
    else if (splitStatements(s.sql).length === 0)
      c.problem(`${at('spec.initSQL', i)}.sql`, undefined, 'has no statement (only comments or separators)');
  }
  const name = (input.object as KubeObject).metadata?.name;
  const first = others
    .filter((o) => o.metadata.name !== name && o.spec?.clusterRef?.name === spec.clusterRef.name)
    .filter((o) => o.metadata.deletionTimestamp === undefined)[0];
  if (input.operation === 'CREATE' && first !== undefined)
    c.problem(
      'spec.clusterRef.name',
      spec.clusterRef.name,
      `DorisInitializer ${first.metadata.name} already initializes cluster ${spec.clusterRef.name}: one initializer per cluster; add these users, databases and scripts to it`,
    );
  return c.findings();
}

/**
 * Doris' built-in accounts (`UserIdentity.isRootUser`/`isAdminUser`: exact names, any host; the
 * CRD refuses them). User names are case-sensitive in Doris, so `ROOT` is another, ordinary user.
 */
const builtinUsers = ['root', 'admin'];

function checkUsers(spec: ResolvedInitializerSpec, c: Collector, operatorUser?: string): void {
  for (const [i, u] of spec.users.entries()) {
    const path = `spec.users[${i}]`;
    if (!builtinUsers.includes(u.name) && builtinUsers.includes(u.name.toLowerCase()))
      c.warn(
        `${path}.name`,
        `${u.name} is not Doris' ${u.name.toLowerCase()}: user names are case-sensitive, so this is another, ordinary user`,
      );
    if (operatorUser !== undefined && u.name === operatorUser)
      c.problem(
        `${path}.name`,
        u.name,
        `${u.name} is the operator's own account (the cluster's spec.authSecretRef): it is managed there; declare other users`,
      );
    if (u.ensure === 'absent' && (u.grants.length > 0 || u.roles.length > 0))
      c.warn(path, `user ${u.name} is absent: its roles and grants are not applied`);
    const keys = new Set<string>();
    for (const [j, g] of u.grants.entries()) {
      const gp = `${path}.grants[${j}]`;
      const onTable = g.level !== undefined;
      for (const p of g.privileges) {
        const key = `${p}@${g.level ?? g.workloadGroup ?? g.resource}`;
        if (keys.has(key)) c.warn(gp, `${p} is granted twice on the same level`);
        keys.add(key);
        if ((p === 'NODE_PRIV' || p === 'ADMIN_PRIV') && g.level !== '*.*.*')
          c.problem(
            `${gp}.privileges`,
            p,
            `${p} can only be granted on level *.*.* (Doris refuses it below)`,
          );
        if (p === 'USAGE_PRIV' && onTable)
          c.problem(
            `${gp}.privileges`,
            p,
            'USAGE_PRIV is granted on a workloadGroup or a resource, not on a level',
          );
        if (!onTable && p !== 'USAGE_PRIV' && p !== 'GRANT_PRIV')
          c.problem(
            `${gp}.privileges`,
            p,
            `on a ${g.workloadGroup !== undefined ? 'workload group' : 'resource'} only USAGE_PRIV and GRANT_PRIV can be granted`,
          );
      }
    }
  }
}

/** The initializers of the namespace, for the one-per-cluster rule; none when they cannot be listed. */
async function othersIn(client: RestClient | undefined, namespace: string): Promise<KubeObject[]> {
  if (client === undefined) return [];
  try {
    const list = await client.request<{ items: KubeObject[] }>({
      method: 'GET',
      path: collectionPath(dorisInitializerKind.resource, namespace),
    });
    return list.items;
  } catch {
    return [];
  }
}

/**
 * The account the operator logs in with on a cluster: the username of its auth Secret (never the
 * password), or root without one. Undefined when it cannot be known.
 */
async function operatorUserOf(
  client: RestClient | undefined,
  namespace: string,
  cluster: string,
): Promise<string | undefined> {
  if (client === undefined) return undefined;
  try {
    const dc = await client.request<KubeObject>({
      method: 'GET',
      path: objectPath(dorisClusterKind.resource, namespace, cluster),
      timeoutMs: 1500,
    });
    const secretName = dc.spec?.authSecretRef?.name as string | undefined;
    if (secretName === undefined) return 'root';
    const secret = await client.request<{ data?: Record<string, string> }>({
      method: 'GET',
      path: objectPath(builtin.Secret, namespace, secretName),
      timeoutMs: 1500,
    });
    const user = secret.data?.username;
    return user === undefined ? undefined : Buffer.from(user, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
}

export function dorisInitializerAdmission(client?: RestClient): KindAdmission {
  return {
    resource: dorisInitializerKind.resource,
    default: (object) => defaultDorisInitializer(object),
    async validate(input) {
      const others = input.operation === 'CREATE' ? await othersIn(client, input.namespace) : [];
      const clusterName = ((input.object as Json | undefined)?.spec as Json | undefined)?.clusterRef;
      const name =
        isObject(clusterName) && typeof clusterName.name === 'string' ? clusterName.name : undefined;
      const operatorUser =
        name === undefined ? undefined : await operatorUserOf(client, input.namespace, name);
      return validateDorisInitializer(input, others, operatorUser);
    },
  };
}
