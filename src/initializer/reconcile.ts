/**
 * The DorisInitializer reconciler. Once its cluster is Ready it logs in with the operator's account,
 * reads SHOW ALL GRANTS once, brings each declared user to what the spec says (one user's failure
 * does not stop the others), creates missing databases, and starts the init scripts in the
 * background (scripts.ts). At rest it looks again every 10 minutes, so a user dropped or a grant
 * revoked by hand comes back; a Secret or ConfigMap it reads wakes it at once.
 */
import {
  type DorisCluster,
  type DorisInitializer,
  dorisClusterKind,
  dorisInitializerKind,
  dorisInitializerSpecSchema,
  type ResolvedInitializerSpec,
} from '../api/v1alpha1/index.ts';
import { decode, desiredCredentials, operatorSecretName, readSecret } from '../cluster/credentials.ts';
import { labelKeys } from '../cluster/names.ts';
import { componentPods } from '../cluster/observe.ts';
import { DorisClient, secret } from '../doris/client.ts';
import { DorisError } from '../doris/errors.ts';
import { builtin } from '../kube/resources.ts';
import { type Condition, setCondition } from '../runtime/conditions.ts';
import { done, type Outcome, type ReconcileContext, requeueAfter } from '../runtime/controller.ts';
import type { Manager } from '../runtime/manager.ts';
import type { NamedWatches } from '../runtime/named-watch.ts';
import { keyOf } from '../runtime/object.ts';
import { identityKey, observeGrants } from './grants.ts';
import { type PasswordRead, planUser, type UserRecord } from './plan.ts';
import {
  parseResumeWord,
  type ResumeWord,
  resumeAnnotation,
  type Script,
  type ScriptRunner,
  scriptsPending,
  stateOf,
} from './scripts.ts';
import { digestOf, splitStatements } from './statements.ts';
import type { Status, StatusWriter } from './status-writer.ts';
import { clusterInitializer } from './which.ts';

/** How often accounts at rest are compared with Doris again (someone may have changed them by hand). */
export const driftCheckMs = 10 * 60_000;

export interface InitializerDeps {
  readonly manager: Manager;
  readonly writer: StatusWriter;
  readonly runner: ScriptRunner;
  secrets?: NamedWatches;
  configMaps?: NamedWatches;
}

type Spec = ResolvedInitializerSpec;

export async function reconcileInitializer(deps: InitializerDeps, ctx: ReconcileContext): Promise<Outcome> {
  const { manager } = deps;
  const namespace = ctx.key.namespace ?? 'default';
  const key = keyOf(ctx.key);
  // From the primary informers, which honour the manager's label selector (sharding).
  const selector = manager.primarySelector();
  const di = manager.cache.get<DorisInitializer>(
    dorisInitializerKind.resource,
    namespace,
    ctx.key.name,
    selector,
  );
  if (di === undefined || di.metadata.deletionTimestamp !== undefined) {
    deps.secrets?.track(key, []);
    deps.configMaps?.track(key, []);
    deps.runner.cancel(key);
    return done;
  }
  const ref = { namespace, name: ctx.key.name };
  const generation = di.metadata.generation ?? 0;
  const status = structuredClone(di.status ?? {}) as Status;
  const report = async (
    phase: NonNullable<Status['phase']>,
    reason: string,
    message: string,
    ready = false,
  ) => {
    const conditions = setCondition(status.conditions as Condition[] | undefined, {
      type: 'Ready',
      status: ready ? 'True' : 'False',
      reason,
      message,
      observedGeneration: generation,
    });
    await deps.writer.update(ref, (s) => ({ ...s, phase, observedGeneration: generation, conditions }), di);
  };

  const parsed = dorisInitializerSpecSchema.safeParse(di.spec);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ');
    await report('Failed', 'InvalidSpec', problems);
    return done;
  }
  const spec = parsed.data;
  const cluster = manager.cache.get<DorisCluster>(
    dorisClusterKind.resource,
    namespace,
    spec.clusterRef.name,
    selector,
  );
  deps.secrets?.track(key, namedSecrets(spec, namespace, cluster));
  deps.configMaps?.track(
    key,
    spec.initSQL.flatMap((s) => (s.configMapKeyRef ? [{ namespace, name: s.configMapKeyRef.name }] : [])),
  );

  // One initializer per cluster: the oldest one is it; the others say so and do nothing.
  const first = clusterInitializer(manager, namespace, spec.clusterRef.name);
  if (first !== undefined && first.metadata.name !== di.metadata.name) {
    deps.runner.cancel(key);
    await report(
      'Failed',
      'ClusterAlreadyInitialized',
      `DorisInitializer ${first.metadata.name} already initializes cluster ${spec.clusterRef.name}; merge this one into it`,
    );
    return done;
  }

  if (cluster === undefined) {
    await report(
      'Pending',
      'ClusterNotFound',
      `DorisCluster ${namespace}/${spec.clusterRef.name} does not exist`,
    );
    return done;
  }
  if (cluster.status?.phase !== 'Ready' && status.phase !== 'Ready' && status.phase !== 'Initializing') {
    await report(
      'Pending',
      'ClusterNotReady',
      `waiting for DorisCluster ${spec.clusterRef.name} to be Ready`,
    );
    return done;
  }

  // Scripts first read their sources: a missing ConfigMap is reported, not guessed around.
  const { scripts, missing } = await readScripts(deps, spec, namespace);

  let client: DorisClient;
  try {
    client = await connect(deps, namespace, cluster);
  } catch (err) {
    await report(
      'Initializing',
      'DorisUnreachable',
      `cannot log in to the cluster: ${(err as Error).message}`,
    );
    return requeueAfter(10_000, 'Doris unreachable');
  }
  let users: UserRecord[];
  let databasesError: string | undefined;
  try {
    // Doris' own identity (its metadata's cluster id): a cluster whose metadata was lost or created
    // anew is an empty Doris, and what was applied to the old one starts afresh. A cluster deleted
    // and created again on its retained claims is the same Doris, and nothing runs twice.
    const dorisId = (await client.showFrontends())[0]?.clusterId;
    if (dorisId !== undefined && dorisId !== '' && status.dorisClusterId !== dorisId) {
      if (deps.runner.isRunning(key)) {
        deps.runner.cancel(key);
        return requeueAfter(1000, 'a run for the previous Doris is stopping');
      }
      const known = status.dorisClusterId !== undefined;
      await deps.writer.update(ref, (s) => ({
        ...(s.conditions ? { conditions: s.conditions } : {}),
        ...(s.phase ? { phase: s.phase } : {}),
        dorisClusterId: dorisId,
      }));
      if (known)
        await manager.events.record(
          di,
          'Warning',
          'DorisReplaced',
          'Initialize',
          `DorisCluster ${spec.clusterRef.name} runs a new Doris (cluster id ${dorisId}, was ${status.dorisClusterId}): users and scripts are applied to it afresh`,
        );
      Object.assign(status, {
        dorisClusterId: dorisId,
        users: undefined,
        scripts: undefined,
        applied: undefined,
      });
    }
    // Databases first: Doris refuses GRANT on a database that does not exist (2.1.6+, 3.0).
    databasesError = await applyDatabases(spec, client);
    users = await applyUsers(deps, di, spec, status, client, namespace, client.user);
  } finally {
    await client.close();
  }

  // Scripts: started in the background; their progress is written by the runner. A script stopped
  // (in doubt, failed) starts a run again when the user's word about its statement arrives.
  const current = (await deps.writer.update(ref, (s) => ({ ...s, users }), di)) ?? status;
  const words = resumeWords(di, scripts);
  const answered = scripts.some((s) => {
    const state = stateOf(s, current);
    const entry = current.scripts?.find((e) => e.name === s.name && e.digest === s.digest);
    const word = words.get(s.name);
    return (
      (state === 'InDoubt' || state === 'Failed') &&
      word !== undefined &&
      word.value !== entry?.answered &&
      word.statement === (entry?.started ?? entry?.done ?? -1) + 1
    );
  });
  if (missing.length === 0 && (scriptsPending(scripts, current) || answered) && !deps.runner.isRunning(key))
    deps.runner.start(key, {
      ref,
      scripts,
      backoffLimit: spec.backoffLimit,
      words,
      connect: () => connect(deps, namespace, cluster),
      log: ctx.log,
      event: (type, reason, note) => void manager.events.record(di, type, reason, 'InitSQL', note),
    });

  const rootProblem = await rootSecretProblem(deps, spec, namespace);
  const failedUsers = users.filter((u) => u.state === 'Failed');
  const scriptStates = scripts.map((s) => ({ name: s.name, state: stateOf(s, current) }));
  const badScript = scriptStates.find((s) => s.state === 'Failed' || s.state === 'InDoubt');
  const running =
    deps.runner.isRunning(key) || scriptStates.some((s) => s.state === 'Pending' || s.state === 'Running');
  const [phase, reason, message]: [NonNullable<Status['phase']>, string, string] =
    badScript !== undefined
      ? [
          'Failed',
          badScript.state === 'Failed' ? 'ScriptFailed' : 'ScriptInDoubt',
          `script ${badScript.name} is ${badScript.state}; see status.scripts`,
        ]
      : missing.length > 0
        ? ['Failed', 'ScriptSourceMissing', missing.join('; ')]
        : rootProblem !== undefined
          ? ['Failed', 'RootPasswordSecretMissing', rootProblem]
          : failedUsers.length > 0
            ? [
                'Failed',
                'UsersFailed',
                failedUsers.map((u) => `${u.name}@${u.host}: ${u.message}`).join('; '),
              ]
            : databasesError !== undefined
              ? ['Failed', 'DatabasesFailed', databasesError]
              : running
                ? ['Initializing', 'ScriptsRunning', 'init scripts are running']
                : ['Ready', 'Applied', 'users, databases and scripts are as declared'];
  await report(phase, reason, message, phase === 'Ready');
  if (failedUsers.length > 0 || databasesError !== undefined)
    return requeueAfter(30_000, 'retry what failed');
  return requeueAfter(driftCheckMs, 'compare the accounts with Doris again');
}

/** What is wrong with the Secret of root's password, if anything (the DorisCluster controller sets it). */
async function rootSecretProblem(
  deps: InitializerDeps,
  spec: Spec,
  namespace: string,
): Promise<string | undefined> {
  const r = spec.rootPasswordSecretRef;
  if (r === undefined) return undefined;
  const s = await deps.secrets?.read({ namespace, name: r.name });
  if (s === undefined)
    return `spec.rootPasswordSecretRef: Secret ${namespace}/${r.name} does not exist; root keeps its password`;
  if (!s.data?.[r.key])
    return `spec.rootPasswordSecretRef: Secret ${namespace}/${r.name} has no key ${r.key}; root keeps its password`;
  return undefined;
}

/** The Secrets a pass reads: the users' passwords, root's, and the operator's account on the cluster. */
function namedSecrets(
  spec: Spec,
  namespace: string,
  cluster: DorisCluster | undefined,
): { namespace: string; name: string }[] {
  const names = new Set<string>([operatorSecretName(spec.clusterRef.name)]);
  if (spec.rootPasswordSecretRef) names.add(spec.rootPasswordSecretRef.name);
  const auth = cluster?.spec?.authSecretRef?.name;
  if (auth !== undefined) names.add(auth);
  for (const u of spec.users) if (u.passwordSecretRef) names.add(u.passwordSecretRef.name);
  return [...names].map((name) => ({ namespace, name }));
}

/** The operator's own account on the cluster: the one the cluster controller last confirmed, else the declared one. */
async function connect(
  deps: InitializerDeps,
  namespace: string,
  cluster: DorisCluster,
): Promise<DorisClient> {
  const { manager } = deps;
  const name = cluster.metadata.name;
  const confirmed = await readSecret(manager, namespace, operatorSecretName(name), deps.secrets);
  const credentials =
    confirmed !== undefined && decode(confirmed, 'username') !== ''
      ? { user: decode(confirmed, 'username'), password: decode(confirmed, 'password') }
      : await desiredCredentials(manager, namespace, cluster.spec?.authSecretRef?.name, deps.secrets);
  const pods = componentPods(
    manager.cache
      .list(builtin.Pod, namespace)
      .filter((p) => p.metadata.labels?.[labelKeys.instance] === name),
    'fe',
  );
  const ips = pods.filter((p) => p.ready && p.ip).map((p) => p.ip as string);
  let last: unknown = new Error('no FE pod is ready');
  for (const ip of ips) {
    try {
      return await DorisClient.connect(
        { host: ip, user: credentials.user, password: credentials.password },
        {
          connectTimeoutMs: 3000,
          queryTimeoutMs: 30_000,
        },
      );
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

async function applyUsers(
  deps: InitializerDeps,
  di: DorisInitializer,
  spec: Spec,
  status: Status,
  client: DorisClient,
  namespace: string,
  operatorUser: string,
): Promise<UserRecord[]> {
  if (spec.users.length === 0) return [];
  const observed = observeGrants(await client.query('SHOW ALL GRANTS'));
  const records: UserRecord[] = [];
  for (const u of spec.users) {
    const previous = (status.users ?? []).find((r) => r.name === u.name && r.host === u.host) as
      | UserRecord
      | undefined;
    if (u.name === operatorUser) {
      // Changing it would lock the operator out: its password is the cluster's auth Secret's.
      records.push({
        name: u.name,
        host: u.host,
        state: 'Failed',
        message: `${u.name} is the operator's own account (the cluster's spec.authSecretRef): it is managed there, not here`,
      });
      continue;
    }
    let password: PasswordRead | undefined;
    if (u.ensure === 'present' && u.passwordSecretRef) {
      const s = await deps.secrets?.read({ namespace, name: u.passwordSecretRef.name });
      const value = s?.data?.[u.passwordSecretRef.key];
      if (s === undefined || value === undefined) {
        const message = `spec.users[${u.name}@${u.host}].passwordSecretRef: ${s === undefined ? `Secret ${namespace}/${u.passwordSecretRef.name} does not exist` : `Secret ${namespace}/${u.passwordSecretRef.name} has no key ${u.passwordSecretRef.key}`}`;
        if (previous?.message !== message)
          await deps.manager.events.record(di, 'Warning', 'PasswordSecretMissing', 'User', message);
        records.push({ ...(previous ?? {}), name: u.name, host: u.host, state: 'Failed', message });
        continue;
      }
      password = {
        password: Buffer.from(value, 'base64').toString('utf8'),
        version: s.metadata.resourceVersion ?? '',
      };
    }
    const plan = planUser(u, observed.get(identityKey(u)), previous, password);
    try {
      for (const step of plan.steps) {
        await client.query(
          step.sql,
          step.values.map((v) => (typeof v === 'string' ? v : secret(v.password))),
        );
        await deps.manager.events.record(di, 'Normal', 'UserChanged', 'User', step.what);
      }
      records.push(plan.record);
    } catch (err) {
      if (!(err instanceof DorisError)) throw err;
      const message = err.message;
      if (previous?.message !== message)
        await deps.manager.events.record(
          di,
          'Warning',
          'UserFailed',
          'User',
          `${u.name}@${u.host}: ${message}`,
        );
      // What was granted before stays recorded: a later pass still revokes it when due.
      records.push({ ...(previous ?? {}), name: u.name, host: u.host, state: 'Failed', message });
    }
  }
  return records;
}

async function applyDatabases(spec: Spec, client: DorisClient): Promise<string | undefined> {
  if (spec.databases.length === 0) return undefined;
  const existing = new Set((await client.query('SHOW DATABASES')).map((r) => r.Database ?? ''));
  const problems: string[] = [];
  for (const db of spec.databases) {
    if (existing.has(db)) continue;
    try {
      await client.query(`CREATE DATABASE IF NOT EXISTS \`${db}\``);
    } catch (err) {
      if (!(err instanceof DorisError)) throw err;
      problems.push(`${db}: ${err.detail}`);
    }
  }
  return problems.length === 0 ? undefined : `spec.databases: ${problems.join('; ')}`;
}

async function readScripts(
  deps: InitializerDeps,
  spec: Spec,
  namespace: string,
): Promise<{ scripts: Script[]; missing: string[] }> {
  const scripts: Script[] = [];
  const missing: string[] = [];
  for (const [i, s] of spec.initSQL.entries()) {
    let sql = s.sql;
    if (s.configMapKeyRef !== undefined) {
      const cm = await deps.configMaps?.read({ namespace, name: s.configMapKeyRef.name });
      sql = cm?.data?.[s.configMapKeyRef.key];
      if (sql === undefined) {
        missing.push(
          `spec.initSQL[${i}].configMapKeyRef: ${cm === undefined ? `ConfigMap ${namespace}/${s.configMapKeyRef.name} does not exist` : `ConfigMap ${namespace}/${s.configMapKeyRef.name} has no key ${s.configMapKeyRef.key}`}`,
        );
        continue;
      }
    }
    const text = sql ?? '';
    scripts.push({
      name: s.name,
      digest: digestOf(text),
      statements: splitStatements(text),
      rerunOnChange: s.rerunOnChange,
      timeoutMs: s.statementTimeoutSeconds * 1000,
    });
  }
  return { scripts, missing };
}

function resumeWords(di: DorisInitializer, scripts: readonly Script[]): Map<string, ResumeWord> {
  const out = new Map<string, ResumeWord>();
  for (const s of scripts) {
    const word = parseResumeWord(di.metadata.annotations?.[resumeAnnotation(s.name)]);
    if (word !== undefined) out.set(s.name, word);
  }
  return out;
}
