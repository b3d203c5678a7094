/**
 * The CRD YAML files as they are committed under config/crd/: one file per kind named
 * `<group>_<plural>.yaml` in bases/, and a kustomization listing them. Shared by the generator
 * (hack/gen-crds.ts) and the drift test, so both render exactly the same text.
 */
import { stringify } from 'yaml';
import { allCrds } from './crds.ts';

const header = '# Generated from src/api/ by `npm run gen:crds`. Do not edit by hand.\n';

/** File path relative to config/crd/ -> content. */
export function renderCrdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const names: string[] = [];
  for (const crd of allCrds()) {
    const name = `bases/${crd.spec.group}_${crd.spec.names.plural}.yaml`;
    names.push(name);
    files.set(name, header + stringify(crd, { lineWidth: 0 }));
  }
  files.set(
    'kustomization.yaml',
    header +
      stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: names }),
  );
  return files;
}
