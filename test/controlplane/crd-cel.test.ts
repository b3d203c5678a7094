/** The real API server validates custom resources: structural schemas and CEL rules. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { ApiError } from '../../src/kube/rest.ts';
import { eventually, kubectl, newNamespace, testEnv } from '../support/env.ts';

const group = 'celtest.doris.cloudnative.dev';

test('a CRD with a CEL rule refuses a bad object with the rule message', async (t) => {
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'cel');
  const plural = `widgets${ns.replace(/[^a-z0-9]/g, '')}`;
  const crdName = `${plural}.${group}`;
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.CustomResourceDefinition),
    body: {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: crdName },
      spec: {
        group,
        scope: 'Namespaced',
        names: {
          plural,
          singular: plural.slice(0, -1),
          kind: `Widget${ns.slice(-6)}`,
          listKind: `Widget${ns.slice(-6)}List`,
        },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: { electionNumber: { type: 'integer', minimum: 1 } },
                    'x-kubernetes-validations': [
                      {
                        rule: 'self.electionNumber % 2 == 1',
                        message: 'electionNumber must be odd',
                        fieldPath: '.electionNumber',
                      },
                    ],
                  },
                },
              },
            },
          },
        ],
      },
    },
  });
  t.after(() =>
    client.request({
      method: 'DELETE',
      path: objectPath(builtin.CustomResourceDefinition, undefined, crdName),
    }),
  );
  const path = `/apis/${group}/v1/namespaces/${ns}/${plural}`;
  const create = (name: string, electionNumber: number) =>
    client.request({
      method: 'POST',
      path,
      body: {
        apiVersion: `${group}/v1`,
        kind: `Widget${ns.slice(-6)}`,
        metadata: { name },
        spec: { electionNumber },
      },
    });

  await eventually(() => create('good', 3), { what: 'the CRD to be served' });
  const err = await create('bad', 2).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError, `expected a refusal, got ${String(err)}`);
  assert.equal(err.status, 422);
  assert.match(err.message, /spec\.electionNumber: Invalid value: .*electionNumber must be odd/);

  // kubectl shows the same message to a user.
  const manifest = JSON.stringify({
    apiVersion: `${group}/v1`,
    kind: `Widget${ns.slice(-6)}`,
    metadata: { name: 'bad-kubectl', namespace: ns },
    spec: { electionNumber: 4 },
  });
  const res = await kubectl(['apply', '-f', '-'], manifest);
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /electionNumber must be odd/);
});
