/** `doris-operator crds`: prints every CRD as YAML (pipe it to `kubectl apply --server-side -f -`). */
import { Command } from 'commander';

export function crdsCommand(): Command {
  return new Command('crds').description('print the CustomResourceDefinitions as YAML').action(async () => {
    const { stringify } = await import('yaml');
    const { allCrds } = await import('../api/crds.ts');
    process.stdout.write(
      allCrds()
        .map((crd) => stringify(crd, { lineWidth: 0 }))
        .join('---\n'),
    );
  });
}
