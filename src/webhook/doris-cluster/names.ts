/**
 * Names derived from a DorisCluster's name must be valid Kubernetes names: the StatefulSet name
 * plus the 11-character `controller-revision-hash` suffix must fit a 63-character label value,
 * pod names are their DNS hostnames (63-character labels), Service names are DNS-1035 labels, and
 * a member's FQDN `<pod>.<headless service>.<namespace>.svc.<cluster domain>` (what the FE
 * registers in Doris with enable_fqdn_mode) must be a valid DNS name of at most 253 characters.
 *
 * The CRD's name rule bounds the name statically (40 characters); this check computes the actual
 * names, including the FQDN, which depends on the namespace and the cluster domain that a CRD rule
 * on metadata.name cannot see.
 */
import type { Component } from '../../api/v1alpha1/owned-config.ts';
import type { Collector } from '../problem.ts';
import { clientServiceName, headlessServiceName, statefulSetName } from './layout.ts';

const LABEL_MAX = 63;
const DNS_NAME_MAX = 253;
/** `-` plus the 10-character hash the StatefulSet controller appends in its revision label. */
const REVISION_SUFFIX = 11;

export interface NameInput {
  readonly name: string;
  readonly namespace: string;
  readonly clusterDomain: string;
  /** Components present, with their replica counts (the highest ordinal is the longest name). */
  readonly replicas: Partial<Record<Component, number>>;
}

export function checkDerivedNames(input: NameInput, out: Collector): void {
  const { name, namespace, clusterDomain } = input;
  if (name === '') return; // generateName: the name is not known yet when defaulting
  const longest: { what: string; value: string; max: number }[] = [
    { what: 'client Service', value: clientServiceName(name), max: LABEL_MAX },
  ];
  for (const [c, replicas] of Object.entries(input.replicas) as [Component, number][]) {
    const sts = statefulSetName(name, c);
    const pod = `${sts}-${Math.max(0, replicas - 1)}`;
    const svc = headlessServiceName(name, c);
    longest.push(
      {
        what: `${c} StatefulSet revision label`,
        value: `${sts}-${'x'.repeat(REVISION_SUFFIX - 1)}`,
        max: LABEL_MAX,
      },
      { what: `${c} pod hostname`, value: pod, max: LABEL_MAX },
      { what: `${c} headless Service`, value: svc, max: LABEL_MAX },
      {
        what: `${c} member FQDN`,
        value: `${pod}.${svc}.${namespace}.svc.${clusterDomain}`,
        max: DNS_NAME_MAX,
      },
    );
  }
  for (const n of longest) {
    if (n.value.length > n.max) {
      const over = n.value.length - n.max;
      out.problem(
        'metadata.name',
        name,
        `the ${n.what} "${n.value}" would be ${n.value.length} characters, over the Kubernetes limit of ` +
          `${n.max}: use a name at most ${Math.max(1, name.length - over)} characters long`,
      );
      return; // one problem is enough: every derived name shortens with the cluster name
    }
  }
}
