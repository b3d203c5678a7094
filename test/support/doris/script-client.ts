/**
 * What the entrypoint scripts do with the mysql client: find the FEs behind ENV_FE_ADDR (Services
 * resolved like cluster DNS), look for a master in `show frontends`, run statements trying root
 * without a password first and then USER/PASSWD, and create the management account.
 */

import { DorisError } from './errors.ts';
import type { Member } from './member.ts';
import type { ClientResult, Simulator } from './simulator.ts';
import { runSql } from './sql/execute.ts';

/** Root without a password first, then USER/PASSWD (the basic-auth Secret wins over the env). */
export function credentialsOf(m: Member): { user: string; password: string }[] {
  const user = m.spec.basicAuth?.username ?? m.spec.env.USER ?? 'root';
  const password = m.spec.basicAuth?.password ?? m.spec.env.PASSWD ?? '';
  const out = [{ user: 'root', password: '' }];
  if (user !== 'root' || password !== '') out.push({ user, password });
  return out;
}

/** FEs that answer behind the member's ENV_FE_ADDR (a comma list of Services, hosts or IPs). */
export async function readyFrontendsFor(sim: Simulator, m: Member): Promise<Member[]> {
  const addr = m.spec.env.ENV_FE_ADDR ?? '';
  const found = new Set<Member>();
  for (const raw of addr
    .split(',')
    .map((a) => a.trim().replace(/:\d+$/, ''))
    .filter(Boolean)) {
    const direct = [...sim.members.values()].filter((x) => x.spec.host === raw || x.spec.ip === raw);
    const ips =
      direct.length > 0 || sim.resolveAddress === undefined
        ? []
        : await sim.resolveAddress(raw, m.spec.namespace).catch(() => []);
    for (const x of [...direct, ...[...sim.members.values()].filter((y) => ips.includes(y.spec.ip))])
      found.add(x);
  }
  return [...found].filter((x) => x !== m && x.spec.kind === 'fe' && x.feContext() !== undefined);
}

/** `show frontends` through ENV_FE_ADDR: the FE that answered, when a master is listed. */
export async function findMasterThrough(sim: Simulator, m: Member): Promise<Member | undefined> {
  for (const target of await readyFrontendsFor(sim, m)) {
    const r = clientSql(sim, m, target, 'show frontends');
    if (r.rows?.some((row) => row.Role === 'FOLLOWER' && row.IsMaster === 'true')) return target;
  }
  return undefined;
}

/** The scripts' account step: with PASSWD set and root still passwordless, create USER with NODE_PRIV. */
export function ensureAccount(sim: Simulator, m: Member, target: Member): void {
  // Only the 3.0 scripts create it (with NODE_PRIV only); branch-2.1's create no account at all
  // (shared/reference/simulator-fidelity.md §4.3, docker/runtime/{fe,be}/resource/*_entrypoint.sh).
  if (m.spec.version.profile !== '3.0') return;
  const creds = credentialsOf(m);
  const mine = creds[1];
  if (mine === undefined || mine.user === 'root' || mine.password === '') return;
  const cluster = target.cluster;
  if (cluster === undefined || cluster.auth.find(mine.user) !== undefined) return;
  const asRoot = clientSql(sim, m, target, 'SHOW ALL GRANTS', [{ user: 'root', password: '' }]);
  if (asRoot.error !== undefined) return;
  clientSql(sim, m, target, `CREATE USER '${mine.user}' IDENTIFIED BY '${mine.password}'`, [
    { user: 'root', password: '' },
  ]);
  clientSql(sim, m, target, `GRANT NODE_PRIV ON *.*.* TO ${mine.user}`, [{ user: 'root', password: '' }]);
}

/** Runs SQL on `target` as the member's mysql client would: each credential in turn until one logs in. */
export function clientSql(
  sim: Simulator,
  m: Member,
  target: Member,
  sql: string,
  creds = credentialsOf(m),
): ClientResult {
  const fe = target.feContext();
  if (fe === undefined) return {};
  let error: DorisError | undefined;
  for (const c of creds) {
    let user: ReturnType<typeof fe.cluster.auth.loginPlain>;
    try {
      user = fe.cluster.auth.loginPlain(c.user, m.spec.ip, c.password);
    } catch (err) {
      if (!(err instanceof DorisError)) throw err;
      // Each refused login is one failed run of the mysql client, as the scripts see it.
      error = err;
      sim.log.append({
        kind: 'statement',
        source: `entrypoint ${m.spec.key}`,
        member: target.spec.key,
        cluster: fe.cluster.key,
        text: sql,
        error: err.message,
      });
      continue;
    }
    const session = { connectionId: 0, user, clientHost: m.spec.ip, variables: new Map<string, string>() };
    const out = runSql(sql, {
      session,
      fe,
      log: sim.log,
      source: `entrypoint ${m.spec.key}`,
      member: target.spec.key,
    });
    if (out.error !== undefined) return { error: out.error };
    const last = out.results[out.results.length - 1];
    if (last?.kind !== 'rows') return {};
    return {
      rows: last.rows.map((row) => Object.fromEntries(last.columns.map((c, i) => [c, row[i] ?? null]))),
    };
  }
  return error === undefined ? {} : { error };
}
