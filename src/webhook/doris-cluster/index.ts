/** DorisCluster admission: its defaulter and validator, registered as one `KindAdmission`. */
import { dorisClusterKind } from '../../api/v1alpha1/doris-cluster.ts';
import type { AdmissionInput, KindAdmission } from '../kinds.ts';
import type { Findings } from '../problem.ts';
import { defaultDorisCluster } from './defaults.ts';
import { type FactFinder, neededFacts } from './facts.ts';
import { specsOf, validateDorisCluster } from './validate.ts';

export interface DorisClusterAdmissionOptions {
  /** Looks up StorageClasses and the auth Secret; without it those checks are skipped. */
  readonly facts?: FactFinder;
  readonly clusterDomain?: string;
}

export function dorisClusterAdmission(opts: DorisClusterAdmissionOptions = {}): KindAdmission {
  return {
    resource: dorisClusterKind.resource,
    default: (object, oldObject) => defaultDorisCluster(object, oldObject),
    async validate(input: AdmissionInput): Promise<Findings> {
      const base = { ...input, clusterDomain: opts.clusterDomain };
      const { spec, old } = specsOf(base);
      const facts =
        spec === undefined || opts.facts === undefined
          ? {}
          : await opts.facts.find(neededFacts(spec, old), input.namespace, input.user);
      return validateDorisCluster({ ...base, facts });
    },
  };
}

export { defaultDorisCluster } from './defaults.ts';
export { validateDorisCluster } from './validate.ts';
