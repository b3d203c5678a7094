/** `doris-operator crds` prints CRDs that the API server accepts as they are. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { kubectl } from '../support/env.ts';

test('doris-operator crds prints CRDs that apply with a server-side dry run', async () => {
  const out = execFileSync(
    process.execPath,
    [resolve(import.meta.dirname, '../../src/cli/main.ts'), 'crds'],
    { encoding: 'utf8' },
  );
  const docs = parseAllDocuments(out).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
  assert.ok(docs.length >= 1);
  assert.ok(docs.every((d) => d.kind === 'CustomResourceDefinition'));
  assert.ok(docs.some((d) => d.metadata.name === 'dorisclusters.doris.cloudnative.dev'));
  const res = await kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], out);
  assert.equal(res.code, 0, res.stderr);
});
