/**
 * The rewrites behind toStructural, one per JSON Schema construct the API server refuses or reads
 * differently: $ref, allOf, anyOf/oneOf, uniqueItems, propertyNames, patternProperties and
 * additionalProperties. Each keeps the meaning where Kubernetes has an equivalent and throws,
 * naming the path, where it has none.
 */
import { celString } from './cel.ts';
import { asArray, asObject, isObject, type JsonSchema, StructuralSchemaError } from './json-schema.ts';

/** Definitions for $ref, and the names being inlined (a structural schema cannot recurse). */
export interface RefContext {
  readonly defs: Record<string, unknown>;
  readonly resolving: Set<string>;
}

/** Value validations the API server allows inside anyOf/oneOf/allOf branches. */
const branchKeys = new Set([
  'required',
  'enum',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'format',
  'multipleOf',
]);

export function refName(ref: string): string {
  return ref.replace(/^#\/(\$defs|definitions|components\/schemas)\//, '');
}

function resolveRef(node: JsonSchema, path: string, ctx: RefContext): JsonSchema {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  const name = refName(ref);
  const target = ctx.defs[name];
  if (!isObject(target)) throw new StructuralSchemaError(path, `unresolved $ref ${ref}`);
  if (ctx.resolving.has(name)) {
    throw new StructuralSchemaError(path, `recursive $ref ${ref}: a structural schema cannot recurse`);
  }
  ctx.resolving.add(name);
  try {
    const { $ref: _, ...rest } = node;
    // Keys beside the $ref (description, default) win over the definition's.
    return { ...resolveRef(target, path, ctx), ...rest };
  } finally {
    ctx.resolving.delete(name);
  }
}

export /** zod writes ±2^53-1 bounds for z.int(); they say nothing an int64 does not already say. */
function dropSafeIntegerBounds(node: JsonSchema): void {
  if (node.minimum === -Number.MAX_SAFE_INTEGER) delete node.minimum;
  if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;
}

/** Flattens allOf (zod intersections) into the node: properties and required are merged. */
export function mergeAllOf(node: JsonSchema, path: string, ctx: RefContext): JsonSchema {
  if (!Array.isArray(node.allOf)) return node;
  const { allOf, ...rest } = node;
  let merged: JsonSchema = rest;
  for (const part of allOf as unknown[]) {
    const p = mergeAllOf(resolveRef(asObject(part), path, ctx), path, ctx);
    if (merged.type !== undefined && p.type !== undefined && merged.type !== p.type) {
      throw new StructuralSchemaError(path, `allOf mixes types ${merged.type} and ${p.type}`);
    }
    const required = [...new Set([...asArray(merged.required), ...asArray(p.required)])];
    merged = {
      ...p,
      ...merged,
      properties: { ...asObject(p.properties), ...asObject(merged.properties) },
      ...(required.length > 0 ? { required } : {}),
    };
    if (Object.keys(asObject(merged.properties)).length === 0) delete merged.properties;
  }
  return merged;
}

/**
 * anyOf/oneOf: integer|string becomes `x-kubernetes-int-or-string`; branches of one scalar type with
 * enums become one enum; object branches have their properties hoisted to the node, leaving each
 * branch only its `required` list (what the API server allows). Anything else has no structural form.
 */
export function convertUnion(
  node: JsonSchema,
  key: 'anyOf' | 'oneOf',
  path: string,
  ctx: RefContext,
): JsonSchema {
  const { [key]: raw, ...rest } = node;
  const branches = (raw as unknown[]).map((b) => mergeAllOf(resolveRef(asObject(b), path, ctx), path, ctx));
  const types = new Set(branches.map((b) => (b.type === 'number' ? 'integer' : b.type)));

  if (types.size === 2 && types.has('integer') && types.has('string') && branches.length === 2) {
    const str = branches.find((b) => b.type === 'string')!;
    const num = branches.find((b) => b.type !== 'string')!;
    const out: JsonSchema = { ...rest, 'x-kubernetes-int-or-string': true };
    for (const k of ['pattern', 'maxLength', 'minLength'] as const) if (str[k] !== undefined) out[k] = str[k];
    for (const k of ['minimum', 'maximum'] as const) if (num[k] !== undefined) out[k] = num[k];
    dropSafeIntegerBounds(out);
    delete out.type;
    return out;
  }
  if (types.size !== 1) {
    throw new StructuralSchemaError(path, `${key} mixes types ${[...types].join(', ')}: no structural form`);
  }
  const type = [...types][0] as string;
  if (type !== 'object') {
    if (!branches.every((b) => Array.isArray(b.enum))) {
      throw new StructuralSchemaError(path, `${key} of ${type} branches without enums: no structural form`);
    }
    return { ...rest, type, enum: [...new Set(branches.flatMap((b) => b.enum as unknown[]))] };
  }
  const properties: JsonSchema = { ...asObject(rest.properties) };
  for (const b of branches) {
    for (const [name, child] of Object.entries(asObject(b.properties))) {
      const existing = properties[name];
      if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(child)) {
        throw new StructuralSchemaError(
          `${path}.properties.${name}`,
          `${key} branches disagree on this property`,
        );
      }
      properties[name] = child;
    }
  }
  const slim = branches.map((b) => Object.fromEntries(Object.entries(b).filter(([k]) => branchKeys.has(k))));
  const out: JsonSchema = { ...rest, type, properties };
  // A branch with no constraint left makes the union always true: drop the union then.
  if (slim.every((b) => Object.keys(b).length > 0)) out[key] = slim;
  return out;
}

export function convertUniqueItems(node: JsonSchema, path: string): JsonSchema {
  const { uniqueItems, ...rest } = node;
  if (uniqueItems !== true) return rest;
  const itemType = asObject(rest.items).type;
  if (itemType === 'object' || itemType === 'array') {
    throw new StructuralSchemaError(path, 'uniqueItems on a list of objects: use x-kubernetes-list-type map');
  }
  return { ...rest, 'x-kubernetes-list-type': rest['x-kubernetes-list-type'] ?? 'set' };
}

/** Key constraints of a map become CEL rules over its keys. */
export function convertPropertyNames(node: JsonSchema, path: string): JsonSchema {
  const { propertyNames, ...rest } = node;
  const names = asObject(propertyNames);
  const rules: JsonSchema[] = [];
  for (const [k, v] of Object.entries(names)) {
    if (k === 'type' || k === 'description') continue;
    if (k === 'pattern') {
      rules.push({
        rule: `self.all(k, k.matches(${celString(String(v))}))`,
        message: `keys must match ${v}`,
      });
    } else if (k === 'maxLength') {
      rules.push({
        rule: `self.all(k, size(k) <= ${Number(v)})`,
        message: `keys must be at most ${v} characters`,
      });
    } else if (k === 'minLength') {
      rules.push({
        rule: `self.all(k, size(k) >= ${Number(v)})`,
        message: `keys must be at least ${v} characters`,
      });
    } else if (k === 'enum' && Array.isArray(v)) {
      const list = v.map((x) => celString(String(x))).join(', ');
      rules.push({ rule: `self.all(k, k in [${list}])`, message: `keys must be one of ${v.join(', ')}` });
    } else {
      throw new StructuralSchemaError(path, `propertyNames.${k} has no structural form`);
    }
  }
  return addValidations(rest, rules);
}

export function convertPatternProperties(node: JsonSchema, path: string): JsonSchema {
  const { patternProperties, ...rest } = node;
  const entries = Object.entries(asObject(patternProperties));
  if (entries.length !== 1 || rest.additionalProperties !== undefined || rest.properties !== undefined) {
    throw new StructuralSchemaError(path, 'patternProperties: only one pattern, alone, can become a map');
  }
  const [pattern, value] = entries[0]!;
  return addValidations({ ...rest, type: 'object', additionalProperties: value }, [
    { rule: `self.all(k, k.matches(${celString(pattern)}))`, message: `keys must match ${pattern}` },
  ]);
}

/**
 * `additionalProperties: false` is the API server's default (pruning) and is refused when written;
 * an open object (`{}` or `true`) is a preserve-unknown-fields node.
 */
export function convertAdditionalProperties(node: JsonSchema, path: string): JsonSchema {
  const ap = node.additionalProperties;
  if (ap === undefined) return node;
  const { additionalProperties: _, ...rest } = node;
  if (ap === false) return rest;
  const open = ap === true || (isObject(ap) && isEmptySchema(ap));
  const hasProps = Object.keys(asObject(rest.properties)).length > 0;
  if (open) {
    if (!hasProps) delete rest.properties;
    return { ...rest, 'x-kubernetes-preserve-unknown-fields': true };
  }
  if (hasProps)
    throw new StructuralSchemaError(path, 'additionalProperties beside properties is not allowed');
  delete rest.properties;
  return { ...rest, additionalProperties: ap };
}

/** No type and no constraint: any JSON value. */
export function isEmptySchema(node: JsonSchema): boolean {
  return Object.keys(node).every((k) => k === 'description' || k === 'title' || k === 'default');
}

function addValidations(node: JsonSchema, rules: JsonSchema[]): JsonSchema {
  if (rules.length === 0) return node;
  const existing = asArray(node['x-kubernetes-validations']);
  return { ...node, 'x-kubernetes-validations': [...existing, ...rules] };
}
