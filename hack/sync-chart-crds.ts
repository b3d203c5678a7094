/**
 * Copies the generated CRDs (config/crd/bases/) into the Helm chart's crds/ folder, byte for byte,
 * removing files of kinds that no longer exist. Run by `npm run gen:crds` after the generator; a
 * test (test/install/chart-crds.test.ts) fails when the two folders differ.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const from = join(root, 'config/crd/bases');
const to = join(root, 'charts/doris-operator/crds');
const files = readdirSync(from).filter((f) => f.endsWith('.yaml'));
mkdirSync(to, { recursive: true });
for (const f of readdirSync(to)) if (!files.includes(f)) rmSync(join(to, f));
for (const f of files) copyFileSync(join(from, f), join(to, f));
console.log(`copied ${files.length} CRD file(s) to charts/doris-operator/crds`);
