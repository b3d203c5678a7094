/**
 * `defineKind`: one declaration per custom resource kind, from which come the TypeScript types
 * (through `z.input`/`z.output` of its spec and status schemas), the REST coordinates the runtime
 * uses, and the apiextensions.k8s.io/v1 CustomResourceDefinition with its structural schema,
 * printer columns, names and subresources.
 */
import { z } from 'zod';
import type { ResourceType } from '../../kube/resources.ts';
import type { ObjectMeta } from '../../runtime/object.ts';
import type { CelRule } from './fields.ts';
import { type JsonSchema, toStructural } from './structural.ts';

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description: string;
  /** 0 shows in `kubectl get`; higher only with `-o wide`. @default 0 */
  readonly priority?: number;
}

export interface ScaleSubresource {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

export interface KindOptions<Spec extends z.ZodType, Status extends z.ZodType> {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Lower-case plural used in REST paths and `kubectl get`. */
  readonly plural: string;
  /** @default the lower-cased kind */
  readonly singular?: string;
  readonly shortNames?: readonly string[];
  /** Shown by `kubectl get <category>`. */
  readonly categories?: readonly string[];
  /** @default 'Namespaced' */
  readonly scope?: 'Namespaced' | 'Cluster';
  /** What the kind is for; the top of `kubectl explain <kind>`. */
  readonly description: string;
  readonly spec: Spec;
  readonly status: Status;
  readonly printerColumns?: readonly PrinterColumn[];
  /** Only when the kind has one natural replica count (an HPA or `kubectl scale` target). */
  readonly scale?: ScaleSubresource;
  /**
   * Rules on `metadata.name`, which child object names derive from (the API server allows no other
   * metadata field in a CRD schema).
   */
  readonly nameRules?: readonly CelRule[];
}

/** Object metadata as plain JSON (what watches deliver), with the fields the operator reads. */
/** Object metadata, shared with the runtime so custom objects are plain KubeObjects. */
export type { ObjectMeta } from '../../runtime/object.ts';

/** A custom object as stored: `Spec` and `Status` are the schemas' input types (what users write). */
export interface CustomObject<Spec, Status> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

/** apiextensions.k8s.io/v1 CustomResourceDefinition, as plain JSON. */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories?: string[];
    };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JsonSchema };
      subresources: { status: Record<string, never>; scale?: ScaleSubresource };
      additionalPrinterColumns?: PrinterColumn[];
    }[];
  };
}

export interface Kind<Spec extends z.ZodType, Status extends z.ZodType> extends KindOptions<Spec, Status> {
  readonly apiVersion: string;
  /** REST coordinates, for clients and informers. */
  readonly resource: ResourceType;
  /** The structural openAPIV3Schema of the CRD. Throws if the schemas cannot be made structural. */
  openAPISchema(): JsonSchema;
  crd(): CustomResourceDefinition;
}

export type SpecOf<K extends Kind<z.ZodType, z.ZodType>> = z.input<K['spec']>;
export type StatusOf<K extends Kind<z.ZodType, z.ZodType>> = z.input<K['status']>;
export type ObjectOf<K extends Kind<z.ZodType, z.ZodType>> = CustomObject<SpecOf<K>, StatusOf<K>>;

export function defineKind<Spec extends z.ZodType, Status extends z.ZodType>(
  opts: KindOptions<Spec, Status>,
): Kind<Spec, Status> {
  const apiVersion = `${opts.group}/${opts.version}`;
  const scope = opts.scope ?? 'Namespaced';
  let cached: JsonSchema | undefined;

  const openAPISchema = (): JsonSchema => {
    cached ??= buildRootSchema(opts);
    return structuredClone(cached);
  };

  const crd = (): CustomResourceDefinition => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${opts.plural}.${opts.group}` },
    spec: {
      group: opts.group,
      scope,
      names: {
        kind: opts.kind,
        listKind: `${opts.kind}List`,
        plural: opts.plural,
        singular: opts.singular ?? opts.kind.toLowerCase(),
        ...(opts.shortNames ? { shortNames: [...opts.shortNames] } : {}),
        ...(opts.categories ? { categories: [...opts.categories] } : {}),
      },
      versions: [
        {
          name: opts.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: openAPISchema() },
          subresources: { status: {}, ...(opts.scale ? { scale: { ...opts.scale } } : {}) },
          ...(opts.printerColumns
            ? { additionalPrinterColumns: opts.printerColumns.map((c) => ({ ...c })) }
            : {}),
        },
      ],
    },
  });

  return {
    ...opts,
    scope,
    apiVersion,
    resource: {
      group: opts.group,
      version: opts.version,
      kind: opts.kind,
      plural: opts.plural,
      namespaced: scope === 'Namespaced',
    },
    openAPISchema,
    crd,
  };
}

function buildRootSchema(opts: KindOptions<z.ZodType, z.ZodType>): JsonSchema {
  const toJson = (s: z.ZodType) =>
    z.toJSONSchema(s, {
      target: 'openapi-3.0',
      io: 'input',
      reused: 'inline',
      cycles: 'throw',
    }) as JsonSchema;
  const root: JsonSchema = {
    type: 'object',
    description: opts.description,
    properties: {
      apiVersion: {
        type: 'string',
        description: 'APIVersion defines the versioned schema of this representation of an object.',
      },
      kind: {
        type: 'string',
        description: 'Kind is a string value representing the REST resource this object represents.',
      },
      spec: toJson(opts.spec),
      status: toJson(opts.status),
    },
    required: ['spec'],
  };
  const structural = toStructural(root);
  // metadata may carry only name/generateName constraints, and no description: added after the pass.
  const name = opts.nameRules
    ? {
        name: {
          type: 'string',
          maxLength: 253,
          'x-kubernetes-validations': opts.nameRules.map((r) => ({ ...r })),
        },
      }
    : undefined;
  const properties = structural.properties as JsonSchema;
  structural.properties = {
    apiVersion: properties.apiVersion,
    kind: properties.kind,
    metadata: { type: 'object', ...(name ? { properties: name } : {}) },
    spec: properties.spec,
    status: properties.status,
  };
  return structural;
}
