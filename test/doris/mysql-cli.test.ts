/**
 * The simulator against the real `mysql` command-line client from Debian, used the way the official
 * entrypoints use it: batch output with column names, NULL printed as NULL, the trailing space of
 * zero capacities, errors as `ERROR 1105 (HY000)...`, 1045 on a bad login, several statements in one -e.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { eventually } from '../support/env.ts';
import { standalone } from './support.ts';

const run = promisify(execFile);

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The client's error line (outside --batch it first echoes the failed statement). */
const errorLine = (r: CliResult): string => r.stderr.trim().split('\n').pop() ?? '';

/** Runs the mysql client (asynchronously: the simulator answers from this very process). */
async function mysqlCli(host: string, args: readonly string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(
      'mysql',
      ['-h', host, '-P', '9030', '--connect-timeout=5', ...args],
      {
        timeout: 20_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `--batch` output: a header line, then tab-separated rows. */
function table(stdout: string): Record<string, string>[] {
  const [header = '', ...lines] = stdout.trimEnd().split('\n');
  const names = header.split('\t');
  return lines.map((line) => Object.fromEntries(line.split('\t').map((v, i) => [names[i] ?? String(i), v])));
}

test('show frontends / show backends through the mysql client: columns, NULL and formats', async (t) => {
  const c = await standalone(t, { fe: 1, be: 1 });
  const host = c.fes[0]?.spec.ip ?? '';
  await eventually(
    async () =>
      (await mysqlCli(host, ['-uroot', '--batch', '-e', 'show backends'])).stdout.includes('\ttrue\t'),
    {
      what: 'the backend alive',
    },
  );

  const fe = await mysqlCli(host, ['-uroot', '--batch', '-e', 'show frontends;']);
  assert.equal(fe.code, 0, fe.stderr);
  assert.equal(
    fe.stdout.split('\n')[0],
    'Name\tHost\tEditLogPort\tHttpPort\tQueryPort\tRpcPort\tArrowFlightSqlPort\tRole\tIsMaster\tClusterId\tJoin\tAlive\tReplayedJournalId\tLastStartTime\tLastHeartbeat\tIsHelper\tErrMsg\tVersion\tCurrentConnected',
  );
  const [row] = table(fe.stdout);
  assert.equal(row?.Role, 'FOLLOWER');
  assert.equal(row?.IsMaster, 'true');
  assert.equal(row?.CurrentConnected, 'Yes');

  // The entrypoints' master lookup: `--skip-column-names` and the IsMaster column by position ($9).
  const skip = await mysqlCli(host, ['-uroot', '--batch', '--skip-column-names', '-e', 'show frontends']);
  assert.equal(skip.stdout.trim().split('\t')[8], 'true');

  const ghost = `${c.network}.240`;
  const add = await mysqlCli(host, ['-uroot', '-e', `ALTER SYSTEM ADD BACKEND "${ghost}:9050"`]);
  assert.equal(add.code, 0, add.stderr);
  const be = await mysqlCli(host, ['-uroot', '--batch', '-e', 'show backends']);
  const g = table(be.stdout).find((r) => r.Host === ghost);
  assert.equal(g?.LastStartTime, 'NULL');
  assert.equal(g?.LastHeartbeat, 'NULL');
  assert.equal(g?.BePort, '-1');
  assert.equal(g?.TotalCapacity, '0.000 ', 'the zero capacity keeps its trailing space');
  assert.equal(g?.AvailCapacity, '1.000 B');

  const vertical = await mysqlCli(host, ['-uroot', '-e', 'show backends\\G']);
  assert.match(vertical.stdout, /^\s+TrashUsedCapcacity: 0\.000 $/m);
  assert.match(vertical.stdout, /^\s+LastHeartbeat: NULL$/m);
});

test('errors through the mysql client: 1105 with errCode = 2, 1045 with 28000, and several statements in one -e', async (t) => {
  const c = await standalone(t, { fe: 1, be: 1 });
  const host = c.fes[0]?.spec.ip ?? '';
  const be = c.bes[0]?.spec.ip ?? '';

  const drop = await mysqlCli(host, ['-uroot', '-e', `ALTER SYSTEM DROP BACKEND "${be}:9050"`]);
  assert.equal(drop.code, 1);
  assert.equal(
    errorLine(drop),
    'ERROR 1105 (HY000) at line 1: errCode = 2, detailMessage = It is highly NOT RECOMMENDED to use DROP BACKEND stmt.It is not safe to directly drop a backend. All data on this backend will be discarded permanently. If you insist, use DROPP instead of DROP',
  );

  // What fe_entrypoint.sh runs to create its management account, then the login with it.
  const create = await mysqlCli(host, [
    '-uroot',
    '-e',
    "CREATE USER 'op' IDENTIFIED BY 'secret'; GRANT NODE_PRIV ON *.*.* TO op;",
  ]);
  assert.equal(create.code, 0, create.stderr);
  const setRoot = await mysqlCli(host, ['-uroot', '-e', "SET PASSWORD FOR 'root' = PASSWORD('rootpw')"]);
  assert.equal(setRoot.code, 0, setRoot.stderr);

  const denied = await mysqlCli(host, ['-uroot', '--batch', '-e', 'show frontends']);
  assert.equal(denied.code, 1);
  assert.equal(
    denied.stderr.trim(),
    "ERROR 1045 (28000): Access denied for user 'root@127.0.0.1' (using password: NO)",
  );
  assert.match(denied.stderr, /1045/);
  assert.match(denied.stderr, /28000/);

  const op = await mysqlCli(host, ['-uop', '-psecret', '--batch', '-e', 'show frontends']);
  assert.equal(op.code, 0, op.stderr);
  const wrong = await mysqlCli(host, ['-uroot', '-pwrong', '-e', 'select 1']);
  assert.equal(
    wrong.stderr.trim(),
    "ERROR 1045 (28000): Access denied for user 'root@127.0.0.1' (using password: YES)",
  );

  const nopriv = await mysqlCli(host, ['-uadmin', '-e', `ALTER SYSTEM ADD BACKEND "${c.network}.9:9050"`]);
  assert.equal(
    errorLine(nopriv),
    'ERROR 1227 (42000) at line 1: Access denied; you need (at least one of) the NODE privilege(s) for this operation',
  );
});
