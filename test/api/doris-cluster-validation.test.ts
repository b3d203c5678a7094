/**
 * The real API server refuses DorisCluster objects that break the schema or a CEL rule, with the
 * exact message and the field it names, and accepts the matching good objects. Update rules
 * (immutability through oldSelf, grow-only volumes) are checked on PATCH.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dorisClusterKind } from '../../src/api/v1alpha1/doris-cluster.ts';
import { collectionPath, objectPath } from '../../src/kube/resources.ts';
import { ApiError, contentTypes } from '../../src/kube/rest.ts';
import { kubectl, newNamespace, testEnv } from '../support/env.ts';
import { createCases, type Refusal, updateCases } from './doris-cluster-cases.ts';
import { dorisCluster, installCrds } from './support.ts';

type Json = Record<string, unknown>;

interface Cause {
  readonly field?: string;
  readonly message?: string;
}

/** The causes of a refusal, without the API server's note that CEL rules were skipped after a schema error. */
function causesOf(err: ApiError): Cause[] {
  const body = err.body as { details?: { causes?: Cause[] } };
  return (body.details?.causes ?? []).filter(
    (c) => !(c.field === '<nil>' && c.message?.includes('some validation rules were not checked')),
  );
}

function assertRefused(err: unknown, want: Refusal & { strict?: boolean }): void {
  assert.ok(
    err instanceof ApiError,
    `expected a refusal, got ${err === undefined ? 'acceptance' : String(err)}`,
  );
  if (want.strict) {
    // Strict field validation fails while decoding, before validation: a 400 with the field in the message.
    assert.equal(err.status, 400);
    assert.equal(
      (err.body as { message?: string }).message,
      `${dorisClusterKind.kind} in version "${dorisClusterKind.version}" cannot be handled as a ` +
        `${dorisClusterKind.kind}: strict decoding error: ${want.message}`,
    );
    assert.ok(want.message.includes(`"${want.field}"`));
    return;
  }
  assert.equal(err.status, 422, err.message);
  assert.deepEqual(
    causesOf(err).map((c) => ({ field: c.field, message: c.message })),
    [{ field: want.field, message: want.message }],
    `refusal: ${err.message}`,
  );
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

test('DorisCluster objects that break the schema or a CEL rule are refused, naming the field', async (t) => {
  await installCrds();
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'api-create');
  const path = collectionPath(dorisClusterKind.resource, ns);
  assert.ok(createCases.length >= 15);

  for (const [i, c] of createCases.entries()) {
    await t.test(c.name, async () => {
      const query = c.strict ? { fieldValidation: 'Strict' } : {};
      const bad = dorisCluster(`bad-${i}`, c.bad);
      assertRefused(await failure(client.request({ method: 'POST', path, query, body: bad })), c);

      const good = dorisCluster(`good-${i}`, c.good);
      const created = await client.request<{ metadata: { name: string } }>({
        method: 'POST',
        path,
        query,
        body: good,
      });
      assert.equal(created.metadata.name, (good.metadata as Json).name);
    });
  }
});

test('updates that break an immutability or grow-only rule are refused, naming the field', async (t) => {
  await installCrds();
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'api-update');

  for (const [i, c] of updateCases.entries()) {
    await t.test(c.name, async () => {
      const name = `update-${i}`;
      await client.request({
        method: 'POST',
        path: collectionPath(dorisClusterKind.resource, ns),
        body: dorisCluster(name, c.initial),
      });
      const patch = (s: Json) =>
        client.request<{ spec: Json }>({
          method: 'PATCH',
          path: objectPath(dorisClusterKind.resource, ns, name),
          contentType: contentTypes.merge,
          body: { spec: s },
        });
      assertRefused(await failure(patch(c.bad)), c);
      await patch(c.good);
    });
  }
});

test('kubectl shows the user the same message', async (t) => {
  await installCrds();
  const ns = await newNamespace(t, 'api-kubectl');
  const bad = dorisCluster('even', { metadata: { namespace: ns }, spec: { fe: { electionNumber: 4 } } });
  const res = await kubectl(['apply', '-f', '-'], JSON.stringify(bad));
  assert.notEqual(res.code, 0);
  assert.match(
    res.stderr,
    /spec\.fe\.electionNumber: Invalid value: 4: electionNumber must be odd \(1, 3, 5 or 7\) so that a majority of followers survives a failure/,
  );
});
