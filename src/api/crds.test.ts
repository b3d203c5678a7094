/** The committed CRD YAML under config/crd/ is exactly what src/api/ generates. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { renderCrdFiles } from './crd-files.ts';
import { allCrds } from './crds.ts';

const crdDir = resolve(import.meta.dirname, '../../config/crd');
const fix = 'run `npm run gen:crds` and commit the result';

test('config/crd/ matches the API source', () => {
  const files = renderCrdFiles();
  for (const [name, text] of files) {
    const path = join(crdDir, name);
    assert.ok(existsSync(path), `config/crd/${name} is missing: ${fix}`);
    assert.equal(readFileSync(path, 'utf8'), text, `config/crd/${name} differs from src/api/: ${fix}`);
  }
  for (const f of readdirSync(join(crdDir, 'bases'))) {
    assert.ok(files.has(`bases/${f}`), `config/crd/bases/${f} comes from no kind in src/api/: ${fix}`);
  }
});

test('the YAML reads back as the CRD objects the CLI prints', () => {
  const files = renderCrdFiles();
  for (const crd of allCrds()) {
    const text = files.get(`bases/${crd.spec.group}_${crd.spec.names.plural}.yaml`);
    assert.deepEqual(parse(text!), crd);
  }
});
