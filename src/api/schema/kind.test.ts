import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { cel } from './fields.ts';
import { defineKind } from './kind.ts';
import type { JsonSchema } from './structural.ts';

const widget = defineKind({
  group: 'example.dev',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  shortNames: ['wd'],
  categories: ['things'],
  description: 'A widget.',
  spec: cel(z.object({ size: z.int().min(1).default(1).describe('How big.') }).describe('Desired widget.'), {
    rule: 'self.size < 10',
    message: 'size must be below 10',
    fieldPath: '.size',
  }),
  status: z.object({ size: z.int().optional().describe('Observed size.') }).describe('Observed widget.'),
  printerColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size', description: 'How big.' }],
  scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' },
  nameRules: [{ rule: 'size(self) <= 20', message: 'at most 20 characters' }],
});

test('defineKind gives REST coordinates for clients', () => {
  assert.equal(widget.apiVersion, 'example.dev/v1');
  assert.deepEqual(widget.resource, {
    group: 'example.dev',
    version: 'v1',
    kind: 'Widget',
    plural: 'widgets',
    namespaced: true,
  });
});

test('defineKind builds the CRD: names, subresources, printer columns', () => {
  const crd = widget.crd();
  assert.equal(crd.metadata.name, 'widgets.example.dev');
  assert.deepEqual(crd.spec.names, {
    kind: 'Widget',
    listKind: 'WidgetList',
    plural: 'widgets',
    singular: 'widget',
    shortNames: ['wd'],
    categories: ['things'],
  });
  const v = crd.spec.versions[0]!;
  assert.deepEqual(v.subresources, {
    status: {},
    scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' },
  });
  assert.deepEqual(v.additionalPrinterColumns, [
    { name: 'Size', type: 'integer', jsonPath: '.spec.size', description: 'How big.' },
  ]);
});

test('the root schema: spec required, CEL kept, metadata limited to name rules', () => {
  const root = widget.openAPISchema();
  const props = root.properties as Record<string, JsonSchema>;
  assert.deepEqual(root.required, ['spec']);
  assert.deepEqual(Object.keys(props), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  // The API server allows only name/generateName constraints under metadata, and no description there.
  assert.deepEqual(props.metadata, {
    type: 'object',
    properties: {
      name: {
        type: 'string',
        maxLength: 253,
        'x-kubernetes-validations': [{ rule: 'size(self) <= 20', message: 'at most 20 characters' }],
      },
    },
  });
  assert.deepEqual(props.spec, {
    type: 'object',
    description: 'Desired widget.',
    'x-kubernetes-validations': [
      { rule: 'self.size < 10', message: 'size must be below 10', fieldPath: '.size' },
    ],
    properties: { size: { type: 'integer', description: 'How big. Default: 1.', default: 1, minimum: 1 } },
  });
});

test('each call returns a fresh copy, so callers may edit it', () => {
  const a = widget.crd();
  a.spec.versions[0]!.schema.openAPIV3Schema.description = 'changed';
  assert.equal(widget.crd().spec.versions[0]!.schema.openAPIV3Schema.description, 'A widget.');
});

test('a field without a description fails the CRD, naming the field', () => {
  const bad = defineKind({
    group: 'example.dev',
    version: 'v1',
    kind: 'Bad',
    plural: 'bads',
    description: 'Bad.',
    spec: z.object({ n: z.int() }).describe('spec'),
    status: z.object({}).describe('status'),
  });
  assert.throws(() => bad.crd(), /\.properties\.spec\.properties\.n/);
});
