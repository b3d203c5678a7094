import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frontend } from '../doris/rows.ts';
import type { KubeObject } from '../runtime/object.ts';
import { memberHost } from './names.ts';
import { feRoleChanges } from './role-labels.ts';

const row = (host: string, role: Frontend['role'], isMaster = false): Frontend => ({
  name: host,
  host,
  editLogPort: 9010,
  role,
  isMaster,
  join: true,
  alive: true,
  replayedJournalId: 1,
  isHelper: false,
  errMsg: '',
  version: 'doris-2.1.7',
});

const pod = (ordinal: number, role?: string, over: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: `doris-fe-${ordinal}`,
    namespace: 'ns',
    labels: role === undefined ? {} : { 'doris.cloudnative.dev/fe-role': role },
    ...over,
  },
  status: { podIP: `10.0.0.${ordinal}` },
});

const fqdn = (i: number, domain = 'cluster.local') => memberHost('doris', 'fe', 'ns', i, domain);

test('FE role labels: set from SHOW FRONTENDS, moved with the master, only where they differ', () => {
  const rows = [
    row(fqdn(0), 'FOLLOWER', true),
    row(fqdn(1), 'FOLLOWER'),
    row(fqdn(2, 'example.org'), 'FOLLOWER'),
    row(fqdn(3), 'OBSERVER'),
  ];
  // New pods: every one labelled, under any cluster domain.
  assert.deepEqual(feRoleChanges('doris', 'ns', [pod(0), pod(1), pod(2), pod(3)], rows), [
    { pod: 'doris-fe-0', role: 'master' },
    { pod: 'doris-fe-1', role: 'follower' },
    { pod: 'doris-fe-2', role: 'follower' },
    { pod: 'doris-fe-3', role: 'observer' },
  ]);
  // At rest: nothing to write.
  const labelled = [pod(0, 'master'), pod(1, 'follower'), pod(2, 'follower'), pod(3, 'observer')];
  assert.deepEqual(feRoleChanges('doris', 'ns', labelled, rows), []);
  // Doris elected fe-1: two labels change, no more.
  const moved = [
    row(fqdn(0), 'FOLLOWER'),
    row(fqdn(1), 'FOLLOWER', true),
    row(fqdn(2), 'FOLLOWER'),
    row(fqdn(3), 'OBSERVER'),
  ];
  assert.deepEqual(feRoleChanges('doris', 'ns', labelled, moved), [
    { pod: 'doris-fe-0', role: 'follower' },
    { pod: 'doris-fe-1', role: 'master' },
  ]);
});

test('FE role labels: removed from a pod Doris does not list; rows by IP match the pod IP; deleting pods skipped', () => {
  const rows = [row('10.0.0.0', 'FOLLOWER', true), row(fqdn(9, 'cluster.local'), 'FOLLOWER')];
  assert.deepEqual(
    feRoleChanges(
      'doris',
      'ns',
      [pod(0), pod(1, 'follower'), pod(2, 'observer', { deletionTimestamp: 'x' })],
      rows,
    ),
    [
      { pod: 'doris-fe-0', role: 'master' },
      { pod: 'doris-fe-1', role: null },
    ],
  );
  // Another cluster's member with the same ordinal is not ours.
  const other = [row(memberHost('other', 'fe', 'ns', 0), 'FOLLOWER', true)];
  assert.deepEqual(feRoleChanges('doris', 'ns', [pod(0, 'master')], other), [
    { pod: 'doris-fe-0', role: null },
  ]);
});
