/**
 * Building blocks for API fields written in zod: CEL rules, Kubernetes quantities, embedded core
 * types kept opaque, maps with bounded keys, timestamps. Each helper sets the zod type (what
 * TypeScript sees) and the JSON Schema metadata (what the CRD says) in one place, so the two cannot
 * drift apart.
 */
import { z } from 'zod';
import { celString } from './cel.ts';

/** One `x-kubernetes-validations` entry. A rule always says what is valid, in `message` or `messageExpression`. */
export interface CelRule {
  /** CEL over `self` (and `oldSelf` for a transition rule, which runs only on update). */
  readonly rule: string;
  readonly message?: string;
  /** A CEL expression giving the message, to show the offending values. */
  readonly messageExpression?: string;
  /** The field the error names, relative to the node carrying the rule (`.electionNumber`). */
  readonly fieldPath?: string;
  readonly reason?:
    | 'FieldValueInvalid'
    | 'FieldValueForbidden'
    | 'FieldValueRequired'
    | 'FieldValueDuplicate';
  /** Also run a transition rule on create, with `oldSelf` an optional. */
  readonly optionalOldSelf?: boolean;
}

type Meta = Record<string, unknown>;

/** Adds JSON Schema keys to a schema's metadata, appending to `x-kubernetes-validations`. */
export function withSchema<T extends z.ZodType>(schema: T, extra: Meta): T {
  const current = (z.globalRegistry.get(schema) ?? {}) as Meta;
  const merged: Meta = { ...current, ...extra };
  const rules = extra['x-kubernetes-validations'];
  if (Array.isArray(rules)) {
    merged['x-kubernetes-validations'] = [
      ...((current['x-kubernetes-validations'] as unknown[]) ?? []),
      ...rules,
    ];
  }
  return schema.meta(merged) as T;
}

/** Attaches CEL rules to a schema. */
export function cel<T extends z.ZodType>(schema: T, ...rules: CelRule[]): T {
  return withSchema(schema, { 'x-kubernetes-validations': rules.map((r) => ({ ...r })) });
}

/**
 * Defaults a field to what parsing `input` gives, written out in full. The API server validates a
 * default as written (nested defaults are not applied to it first), so a `{}` default would fail
 * rules that read defaulted fields; and zod's own `.default()` only shallow-copies its value.
 */
export function fullDefault<T extends z.ZodType>(schema: T, input: z.input<T> = {} as z.input<T>) {
  const full = schema.parse(input);
  return schema.prefault(() => structuredClone(full) as z.input<T>);
}

/** Marks a list as a map keyed by `keys` (the API server then refuses duplicate keys, naming the item). */
export function listMap<T extends z.ZodType>(schema: T, ...keys: string[]): T {
  return withSchema(schema, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys });
}

/** A quantity as Kubernetes writes it: `100Gi`, `500m`, or a plain integer. */
export type Quantity = string | number;

/**
 * A Kubernetes quantity (int-or-string). The CEL rule gives a readable error where the API
 * server's own pattern error would print a regular expression; `positive` also refuses 0 and
 * negative values, which make no sense for a volume size.
 */
export function quantity(description: string, opts: { positive?: boolean } = {}): z.ZodType<Quantity> {
  const base = z.union([z.int(), z.string().max(64)]).describe(description);
  return opts.positive
    ? cel(base, {
        rule: "type(self) == int ? self > 0 : isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))",
        message: 'must be a positive quantity such as 100Gi',
      })
    : cel(base, {
        rule: 'type(self) == int || isQuantity(self)',
        message: 'must be a quantity such as 500m, 4Gi or 2',
      });
}

/**
 * A Kubernetes core type (Affinity, Container, ...) embedded as is: the API server keeps every
 * field and the kubelet-side validation happens when the operator creates the pod. Re-wrapping
 * these field by field is what made tidb-operator's CRD too large; the type parameter keeps
 * TypeScript exact anyway.
 */
export function embedded<T>(description: string): z.ZodType<T> {
  return z.looseObject({}).describe(description) as unknown as z.ZodType<T>;
}

/** A bounded list of embedded core objects. */
export function embeddedList<T>(
  description: string,
  maxItems: number,
  itemDescription: string,
): z.ZodType<T[]> {
  return z.array(embedded<T>(itemDescription)).max(maxItems).describe(description);
}

/** Label keys and values as Kubernetes allows them (qualified names, 63-character values). */
export function labelMap(description: string, maxProperties = 64): z.ZodType<Record<string, string>> {
  const map = withSchema(z.record(z.string(), z.string().max(63)), { maxProperties }).describe(description);
  return cel(map, {
    rule: `self.all(k, k.matches(${celString(qualifiedName.source)}))`,
    message: 'keys must be qualified names such as example.com/team or team',
  });
}

/** Annotation keys as Kubernetes allows them; values are free text. */
export function annotationMap(description: string, maxProperties = 64): z.ZodType<Record<string, string>> {
  const map = withSchema(z.record(z.string(), z.string()), { maxProperties }).describe(description);
  return cel(map, {
    rule: `self.all(k, k.matches(${celString(qualifiedName.source)}))`,
    message: 'keys must be qualified names such as example.com/owner or owner',
  });
}

/** An optional DNS-subdomain prefix, a slash, then a 63-character name (Kubernetes label keys). */
export const qualifiedName =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** A DNS-1123 label: lower-case letters, digits and '-', at most `max` characters. */
export function dnsLabel(description: string, max = 63): z.ZodType<string> {
  return cel(z.string().min(1).max(max).describe(description), {
    rule: "self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
    message: "must be lower-case letters, digits and '-', starting and ending with a letter or digit",
  });
}

/** An RFC 3339 time as Kubernetes writes it (`2024-05-01T10:00:00Z`). */
export function timestamp(description: string): z.ZodType<string> {
  return withSchema(z.string(), { format: 'date-time' }).describe(description);
}
