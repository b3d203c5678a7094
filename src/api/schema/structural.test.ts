import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { type JsonSchema, StructuralSchemaError, toStructural } from './structural.ts';

const fromZod = (s: z.ZodType) => z.toJSONSchema(s, { target: 'openapi-3.0', io: 'input' }) as JsonSchema;
const loose = (s: JsonSchema) => toStructural(s, { requireDescriptions: false });
const props = (s: JsonSchema) => s.properties as Record<string, JsonSchema>;

/** Every node either has a type or is int-or-string / preserve-unknown-fields; no forbidden key anywhere. */
function assertStructural(node: unknown, path = ''): void {
  if (typeof node !== 'object' || node === null) return;
  const n = node as JsonSchema;
  for (const k of ['$ref', 'const', 'uniqueItems', 'patternProperties', 'propertyNames', '$defs']) {
    assert.ok(!(k in n), `${path}: ${k} left in the output`);
  }
  assert.notEqual(n.additionalProperties, false, `${path}: additionalProperties false left`);
  if (!('x-kubernetes-int-or-string' in n) && !('x-kubernetes-preserve-unknown-fields' in n)) {
    assert.equal(typeof n.type, 'string', `${path}: no type`);
  }
  for (const [name, child] of Object.entries((n.properties ?? {}) as JsonSchema)) {
    assertStructural(child, `${path}.${name}`);
  }
  if (n.items) assertStructural(n.items, `${path}[]`);
  if (typeof n.additionalProperties === 'object') assertStructural(n.additionalProperties, `${path}{}`);
}

describe('toStructural', () => {
  test('int-or-string unions become x-kubernetes-int-or-string, keeping description and default (told in the description too)', () => {
    const out = loose(
      fromZod(
        z.object({
          q: z
            .union([z.int(), z.string().max(9)])
            .default('1Gi')
            .describe('size'),
        }),
      ),
    );
    assert.deepEqual(props(out).q, {
      description: 'size Default: 1Gi.',
      default: '1Gi',
      maxLength: 9,
      'x-kubernetes-int-or-string': true,
    });
  });

  test("zod's ±2^53 integer bounds and date-time regex are dropped, real bounds kept", () => {
    const out = loose(fromZod(z.object({ n: z.int().min(1), t: z.iso.datetime() })));
    assert.deepEqual(props(out).n, { type: 'integer', minimum: 1 });
    assert.deepEqual(props(out).t, { type: 'string', format: 'date-time' });
  });

  test('literals become enums and enum-only unions merge', () => {
    const out = loose(
      fromZod(z.object({ a: z.literal('x'), b: z.union([z.literal('p'), z.enum(['q', 'r'])]) })),
    );
    assert.deepEqual(props(out).a, { type: 'string', enum: ['x'] });
    assert.deepEqual(props(out).b, { type: 'string', enum: ['p', 'q', 'r'] });
    assert.deepEqual(loose({ type: 'object', properties: { c: { const: 5, type: 'integer' } } }).properties, {
      c: { type: 'integer', enum: [5] },
    });
  });

  test('strict objects lose additionalProperties: false; loose objects preserve unknown fields', () => {
    const out = loose(fromZod(z.object({ s: z.strictObject({ a: z.string() }), l: z.looseObject({}) })));
    assert.deepEqual(props(out).s, {
      type: 'object',
      properties: { a: { type: 'string' } },
      required: ['a'],
    });
    assert.deepEqual(props(out).l, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    const named = loose(fromZod(z.looseObject({ name: z.string() })));
    assert.deepEqual(named.properties, { name: { type: 'string' } });
    assert.equal(named['x-kubernetes-preserve-unknown-fields'], true);
  });

  test('records stay maps; z.unknown() becomes any value', () => {
    const out = loose(fromZod(z.object({ m: z.record(z.string(), z.int()), u: z.unknown() })));
    assert.deepEqual(props(out).m, { type: 'object', additionalProperties: { type: 'integer' } });
    assert.deepEqual(props(out).u, { 'x-kubernetes-preserve-unknown-fields': true });
  });

  test('$ref is inlined, with the keys beside it winning', () => {
    const out = loose({
      type: 'object',
      $defs: { Port: { type: 'integer', minimum: 1, description: 'port' } },
      properties: { p: { $ref: '#/$defs/Port', description: 'the query port' } },
    });
    assert.deepEqual(props(out).p, { type: 'integer', description: 'the query port', minimum: 1 });
    assert.equal('$defs' in out, false);
  });

  test('a recursive $ref has no structural form', () => {
    const node = { type: 'object', properties: { child: { $ref: '#/$defs/Node' } } };
    assert.throws(
      () => loose({ $defs: { Node: node }, ...node }),
      (e: unknown) => e instanceof StructuralSchemaError && /recursive \$ref/.test(e.message),
    );
  });

  test('allOf (intersections) merges properties and required', () => {
    const out = loose(
      fromZod(z.intersection(z.object({ a: z.string() }), z.object({ b: z.int().optional() }))),
    );
    assert.deepEqual(out, {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'integer' } },
      required: ['a'],
    });
  });

  test('object unions hoist properties to the node and keep only required in the branches', () => {
    const u = z.union([z.object({ a: z.string() }), z.object({ b: z.int() })]).describe('one of a or b');
    const out = loose(fromZod(z.object({ u })));
    assert.deepEqual(props(out).u, {
      type: 'object',
      description: 'one of a or b',
      properties: { a: { type: 'string' }, b: { type: 'integer' } },
      anyOf: [{ required: ['a'] }, { required: ['b'] }],
    });
  });

  test('unions of unrelated types are refused, naming the path', () => {
    assert.throws(
      () => loose(fromZod(z.object({ x: z.union([z.boolean(), z.string()]) }))),
      (e: unknown) =>
        e instanceof StructuralSchemaError && e.path === '.properties.x' && /mixes types/.test(e.message),
    );
  });

  test('uniqueItems becomes a set list on scalars and is refused on objects', () => {
    const out = loose({ type: 'array', uniqueItems: true, items: { type: 'string' } });
    assert.deepEqual(out, { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' });
    assert.throws(
      () => loose({ type: 'array', uniqueItems: true, items: { type: 'object' } }),
      /list-type map/,
    );
  });

  test('propertyNames and patternProperties become maps with CEL rules on the keys', () => {
    const names = loose({
      type: 'object',
      additionalProperties: { type: 'string' },
      propertyNames: { type: 'string', pattern: "^a'b$", maxLength: 8 },
    });
    assert.deepEqual(names['x-kubernetes-validations'], [
      { rule: "self.all(k, k.matches('^a\\'b$'))", message: "keys must match ^a'b$" },
      { rule: 'self.all(k, size(k) <= 8)', message: 'keys must be at most 8 characters' },
    ]);
    const pattern = loose({ type: 'object', patternProperties: { '^x-': { type: 'integer' } } });
    assert.deepEqual(pattern.additionalProperties, { type: 'integer' });
    assert.equal(
      (pattern['x-kubernetes-validations'] as JsonSchema[])[0]?.rule,
      "self.all(k, k.matches('^x-'))",
    );
  });

  test('additionalProperties with a schema beside properties is refused', () => {
    assert.throws(
      () =>
        loose({
          type: 'object',
          properties: { a: { type: 'string' } },
          additionalProperties: { type: 'string' },
        }),
      /beside properties/,
    );
  });

  test('a property without a description is named, unless descriptions are not required', () => {
    const s = fromZod(
      z.object({ a: z.string().describe('has one'), b: z.object({ c: z.int() }).describe('b') }),
    );
    assert.throws(
      () => toStructural(s),
      (e: unknown) => e instanceof StructuralSchemaError && e.message.includes('.properties.b.properties.c'),
    );
    assert.doesNotThrow(() => loose(s));
  });

  test('CEL rules must say what is valid and use well-formed field paths', () => {
    const withRule = (rule: JsonSchema) => ({ type: 'object', 'x-kubernetes-validations': [rule] });
    assert.throws(() => loose(withRule({ rule: 'self.a > 0' })), /needs a message/);
    assert.throws(
      () => loose(withRule({ rule: 'self.a > 0', message: 'm', fieldPath: 'a' })),
      /must start with/,
    );
    assert.throws(
      () => loose(withRule({ rule: 'self.a > 0', message: 'm', reason: 'Bad' })),
      /reason must be/,
    );
    assert.doesNotThrow(() =>
      loose(withRule({ rule: 'self.a > 0', messageExpression: "'m'", fieldPath: '.a' })),
    );
  });

  test('keys the API server does not know are refused (catches typos in metadata)', () => {
    assert.throws(
      () => loose({ type: 'object', 'x-kubernetes-validation': [] }),
      /"x-kubernetes-validation" is not allowed/,
    );
  });

  test('a whole realistic schema comes out structural, with type and description first', () => {
    const s = z
      .object({
        size: z.union([z.int(), z.string()]).default('1Gi').describe('size'),
        mode: z.enum(['A', 'B']).default('A').describe('mode'),
        extra: z.looseObject({}).optional().describe('opaque'),
        list: z
          .array(z.object({ name: z.string().describe('n') }).describe('item'))
          .max(3)
          .describe('list'),
      })
      .describe('root');
    const out = toStructural(fromZod(s));
    assertStructural(out);
    assert.deepEqual(Object.keys(props(out).mode!).slice(0, 2), ['type', 'description']);
  });
});
