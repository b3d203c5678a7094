/**
 * Turns the JSON Schema that zod 4 writes (`z.toJSONSchema(s, { target: 'openapi-3.0', io: 'input' })`)
 * into a structural OpenAPI v3 schema the Kubernetes API server accepts for a CRD.
 *
 * The API server refuses `$ref`, `const`, `uniqueItems`, `patternProperties`, `propertyNames`,
 * `additionalProperties: false` and `additionalProperties` beside `properties`; it wants a `type` on
 * every node (except int-or-string and preserve-unknown-fields nodes) and `anyOf`/`oneOf`/`allOf`
 * branches without `type`, `default` or `description`. This pass rewrites what has a faithful
 * equivalent (see rewrites.ts) and throws, naming the path, for what has none. It knows nothing
 * about any one kind.
 */

import { asObject, isObject, type JsonSchema, StructuralSchemaError } from './json-schema.ts';
import {
  convertAdditionalProperties,
  convertPatternProperties,
  convertPropertyNames,
  convertUnion,
  convertUniqueItems,
  dropSafeIntegerBounds,
  isEmptySchema,
  mergeAllOf,
  type RefContext,
  refName,
} from './rewrites.ts';

export { type JsonSchema, StructuralSchemaError } from './json-schema.ts';

export interface StructuralOptions {
  /** Throw when a property has no description (so `kubectl explain` is useful). @default true */
  readonly requireDescriptions?: boolean;
}

/** Keys of apiextensions.k8s.io/v1 JSONSchemaProps that this pass may leave in its output. */
const allowedKeys = new Set([
  'description',
  'type',
  'format',
  'title',
  'default',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'multipleOf',
  'enum',
  'maxProperties',
  'minProperties',
  'required',
  'items',
  'allOf',
  'oneOf',
  'anyOf',
  'not',
  'properties',
  'additionalProperties',
  'nullable',
  'example',
  'externalDocs',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

/** Keys that only carry JSON Schema bookkeeping; dropped silently. */
const droppedKeys = new Set(['$schema', '$id', 'id', '$defs', 'definitions', '$comment', 'examples']);

const reasons = new Set([
  'FieldValueInvalid',
  'FieldValueForbidden',
  'FieldValueRequired',
  'FieldValueDuplicate',
]);

/** Rewrites `schema` (not modified) into a structural schema. */
export function toStructural(schema: JsonSchema, opts: StructuralOptions = {}): JsonSchema {
  const defs = { ...asObject(schema.$defs), ...asObject(schema.definitions) };
  const missing: string[] = [];
  const out = convert(schema, '', { defs, resolving: new Set(), missing });
  if ((opts.requireDescriptions ?? true) && missing.length > 0) {
    throw new StructuralSchemaError(missing[0]!, `missing description on ${missing.join(', ')}`);
  }
  return out;
}

interface Context extends RefContext {
  /** Paths of properties without a description. */
  readonly missing: string[];
}

function convert(input: JsonSchema, path: string, ctx: Context): JsonSchema {
  const ref = input.$ref;
  if (typeof ref === 'string') {
    // The name stays marked while its whole subtree converts, so a cycle through children is caught.
    const name = refName(ref);
    if (ctx.resolving.has(name)) {
      throw new StructuralSchemaError(path, `recursive $ref ${ref}: a structural schema cannot recurse`);
    }
    const target = ctx.defs[name];
    if (!isObject(target)) throw new StructuralSchemaError(path, `unresolved $ref ${ref}`);
    const { $ref: _, ...beside } = input;
    ctx.resolving.add(name);
    try {
      // Keys beside the $ref (description, default) win over the definition's.
      return convert({ ...target, ...beside }, path, ctx);
    } finally {
      ctx.resolving.delete(name);
    }
  }
  let node = mergeAllOf(input, path, ctx);
  node = { ...node };
  for (const k of droppedKeys) delete node[k];

  if ('const' in node) {
    node.enum = [node.const];
    delete node.const;
  }
  dropSafeIntegerBounds(node);
  if (node.type === 'string' && node.format === 'date-time') delete node.pattern; // zod's regex; format suffices

  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(node[key])) node = convertUnion(node, key, path, ctx);
  }
  if (node.uniqueItems !== undefined) node = convertUniqueItems(node, path);
  if (node.propertyNames !== undefined) node = convertPropertyNames(node, path);
  if (node.patternProperties !== undefined) node = convertPatternProperties(node, path);
  node = convertAdditionalProperties(node, path);

  if (isEmptySchema(node)) node['x-kubernetes-preserve-unknown-fields'] = true;
  const untyped =
    node['x-kubernetes-int-or-string'] === true || node['x-kubernetes-preserve-unknown-fields'] === true;
  if (typeof node.type !== 'string' && !untyped) {
    throw new StructuralSchemaError(path, `no single type (got ${JSON.stringify(node.type)})`);
  }
  if (node.type === 'array' && !isObject(node.items)) {
    throw new StructuralSchemaError(path, 'an array needs one items schema');
  }

  if (isObject(node.properties)) {
    const props: JsonSchema = {};
    for (const [name, child] of Object.entries(node.properties)) {
      const childPath = `${path}.properties.${name}`;
      const converted = convert(asObject(child), childPath, ctx);
      if (typeof converted.description !== 'string' || converted.description === '')
        ctx.missing.push(childPath);
      props[name] = converted;
    }
    node.properties = props;
  }
  if (isObject(node.items)) node.items = convert(node.items, `${path}.items`, ctx);
  if (isObject(node.additionalProperties)) {
    node.additionalProperties = convert(node.additionalProperties, `${path}.additionalProperties`, ctx);
  }
  withDefaultInDescription(node);
  checkValidations(node, path);
  for (const key of Object.keys(node)) {
    if (!allowedKeys.has(key))
      throw new StructuralSchemaError(path, `"${key}" is not allowed in a CRD schema`);
  }
  return ordered(node);
}

/**
 * `kubectl explain` prints descriptions, not defaults: a scalar default the description does not
 * mention is appended to it (`Default: 1800.`), so users see it where they read.
 */
function withDefaultInDescription(node: JsonSchema): void {
  const d = node.default;
  if (d === undefined || d === null || typeof d === 'object') return;
  if (typeof node.description !== 'string' || /\bdefault/i.test(node.description)) return;
  node.description = `${node.description.replace(/\s+$/, '')} Default: ${String(d)}.`;
}

/** Keys in a fixed order (type and description first, nested schemas last): the YAML reads well, diffs stay small. */
const firstKeys = ['type', 'description', 'default', 'format', 'enum', 'nullable'];
const lastKeys = [
  'properties',
  'additionalProperties',
  'items',
  'required',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
];

function ordered(node: JsonSchema): JsonSchema {
  const rank = (k: string) => {
    if (firstKeys.includes(k)) return firstKeys.indexOf(k);
    if (lastKeys.includes(k)) return 100 + lastKeys.indexOf(k);
    return k.startsWith('x-kubernetes-') ? 50 : 20;
  };
  return Object.fromEntries(Object.entries(node).sort(([a], [b]) => rank(a) - rank(b)));
}

/** Every CEL rule carries a message, so the API server's error says what is valid. */
function checkValidations(node: JsonSchema, path: string): void {
  const rules = node['x-kubernetes-validations'];
  if (rules === undefined) return;
  if (!Array.isArray(rules)) throw new StructuralSchemaError(path, 'x-kubernetes-validations must be a list');
  for (const r of rules) {
    if (!isObject(r) || typeof r.rule !== 'string' || r.rule === '') {
      throw new StructuralSchemaError(path, `a validation without a rule: ${JSON.stringify(r)}`);
    }
    if (typeof r.message !== 'string' && typeof r.messageExpression !== 'string') {
      throw new StructuralSchemaError(path, `rule ${r.rule} needs a message or messageExpression`);
    }
    if (r.fieldPath !== undefined && (typeof r.fieldPath !== 'string' || !r.fieldPath.startsWith('.'))) {
      throw new StructuralSchemaError(
        path,
        `rule ${r.rule}: fieldPath must start with "." (got ${r.fieldPath})`,
      );
    }
    if (r.reason !== undefined && !reasons.has(String(r.reason))) {
      throw new StructuralSchemaError(
        path,
        `rule ${r.rule}: reason must be one of ${[...reasons].join(', ')}`,
      );
    }
  }
}
