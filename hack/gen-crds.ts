/**
 * Writes the CRDs generated from src/api/ as YAML under config/crd/bases/ (one file per kind) and
 * config/crd/kustomization.yaml listing them. `npm run gen:crds`; a unit test (src/api/crds.test.ts)
 * fails when the committed files differ from what this writes.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderCrdFiles } from '../src/api/crd-files.ts';

const root = resolve(import.meta.dirname, '..');
const bases = join(root, 'config/crd/bases');
const files = renderCrdFiles();
mkdirSync(bases, { recursive: true });
// A kind that was removed from the source must not linger as a stale file.
for (const f of readdirSync(bases)) if (!files.has(`bases/${f}`)) rmSync(join(bases, f));
for (const [name, text] of files) writeFileSync(join(root, 'config/crd', name), text);
console.log(`wrote ${[...files.keys()].map((f) => `config/crd/${f}`).join(', ')}`);
