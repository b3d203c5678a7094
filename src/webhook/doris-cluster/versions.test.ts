/** Version parsing from spec.version and image references, and the Doris upgrade path. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowedTargets, lineDistance, parseImage, parseVersion, upgradeStep } from './versions.ts';

const v = (s: string) => parseVersion(s)!;

test('images: component and version from the tag or the repository name', () => {
  const cases: [string, string | undefined, string | undefined][] = [
    ['apache/doris:fe-2.1.7', 'fe', '2.1.7'],
    ['apache/doris:be-3.0.3-rc01', 'be', '3.0.3'],
    ['registry:5000/apache/doris:broker-2.1.8', 'broker', '2.1.8'],
    ['selectdb/doris.fe-ubuntu:2.1.5', 'fe', '2.1.5'],
    ['selectdb/doris.be-ubuntu:3.0.2@sha256:abcd', 'be', '3.0.2'],
    ['registry:5000/doris', undefined, undefined],
    ['my/doris:latest', undefined, undefined],
  ];
  for (const [image, component, version] of cases) {
    const info = parseImage(image);
    assert.equal(info.component, component, image);
    assert.equal(info.version?.text, version, image);
  }
});

test('upgrade steps follow the Doris rule: patches freely, one minor line at a time, never back', () => {
  const cases: [string, string, string, string[]?][] = [
    ['2.1.3', '2.1.7', 'patch'],
    ['2.1.8', '2.1.8', 'same'],
    ['2.1.8', '3.0.0', 'next-line'],
    ['2.0.15', '2.1.2', 'next-line'],
    ['3.1.2', '4.0.1', 'next-line'],
    ['4.0.1', '4.1.0', 'next-line'],
    ['4.0.1', '5.0.0', 'next-line'],
    ['2.1.8', '2.1.7', 'downgrade'],
    ['3.0.1', '2.1.9', 'downgrade'],
    ['2.0.1', '3.0.0', 'skip', ['2.1']],
    ['2.1.8', '3.1.0', 'skip', ['3.0']],
    ['2.1.8', '4.0.0', 'skip', ['3.0', '3.1']],
    ['4.0.1', '4.2.0', 'skip', ['4.1']],
  ];
  for (const [from, to, kind, skipped] of cases) {
    const step = upgradeStep(v(from), v(to));
    assert.equal(step.kind, kind, `${from} -> ${to}`);
    if (skipped) assert.deepEqual(step.kind === 'skip' && step.skipped, skipped, `${from} -> ${to}`);
  }
  assert.equal(allowedTargets(v('2.1.8')), '2.1.8 or a later 2.1.x, or any 3.0.x');
  assert.equal(lineDistance(v('2.1.8'), v('3.1.0')), 2);
  assert.equal(lineDistance(v('3.0.1'), v('2.1.8')), 1);
  assert.equal(parseVersion('latest'), undefined);
});
