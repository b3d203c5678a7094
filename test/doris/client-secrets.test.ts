/**
 * S7 by construction: a password passed to the operator's Doris client as `secret()` never shows in
 * what a failure carries (message, cause, JSON, inspected form), whatever characters it holds and
 * whatever Doris echoes back, on the real client against the simulator's MySQL protocol.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { DorisClient, secret } from '../../src/doris/client.ts';
import { standalone } from './support.ts';

const passwords = [`it's-a-secret`, `back\\slash\\pw`, `100%-sure_pw`, `q"uo'te\\'s%_x`];

/** Every form of the password a log could show: as is, SQL-escaped, and the part after a quote. */
function forms(pw: string): string[] {
  const escaped = pw.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const tails = pw.split(/['"\\]/).filter((p) => p.length >= 4);
  return [pw, escaped, ...tails];
}

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the statement to fail');
}

test('passwords with quotes, backslashes and % stay out of failed account statements (S7)', async (t) => {
  const c = await standalone(t, { fe: 1 });
  const fe = c.fes[0];
  assert.ok(fe);
  const client = await DorisClient.connect({
    host: fe.spec.ip,
    port: fe.ports.query,
    user: 'root',
    password: '',
  });
  t.after(() => client.close());
  for (const pw of passwords) {
    const failures = [
      // Unknown user: Doris refuses with its own words.
      await failure(() => client.query("SET PASSWORD FOR ?@'%' = PASSWORD(?)", ['nobody', secret(pw)])),
      // Existing user: CREATE USER fails after parsing the password.
      await failure(() => client.query("CREATE USER ?@'%' IDENTIFIED BY ?", ['root', secret(pw)])),
      // A syntax error, where Doris echoes the text near the error: the password itself.
      await failure(() => client.query('SET PASSWORD FOR ? PASSWORD ?', ['nobody', secret(pw)])),
    ];
    for (const err of failures) {
      const shown = [err.message, String(err.stack), inspect(err, { depth: 5 }), JSON.stringify(err)].join(
        '\n',
      );
      for (const f of forms(pw)) assert.ok(!shown.includes(f), `"${f}" of ${pw} leaked: ${shown}`);
      assert.match(
        err.message,
        /'\*\*\*'/,
        `the statement is shown with the password masked: ${err.message}`,
      );
    }
  }
});
