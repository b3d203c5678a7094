/** `doris-operator crds`: prints every CRD as YAML (pipe it to `kubectl apply --server-side -f -`). */
import { Command } from 'commander';
import { stringify } from 'yaml';
import { allCrds } from '../api/crds.ts';

export function crdsCommand(): Command {
  return new Command('crds').description('print the CustomResourceDefinitions as YAML').action(() => {
    process.stdout.write(
      allCrds()
        .map((crd) => stringify(crd, { lineWidth: 0 }))
        .join('---\n'),
    );
  });
}
