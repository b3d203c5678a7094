import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterDomainOf } from './cluster-domain.ts';

test('the cluster domain comes from the svc.<domain> entry of a pod resolver search list', () => {
  assert.equal(
    clusterDomainOf(
      'nameserver 10.96.0.10\nsearch doris-system.svc.example.local svc.example.local example.local\noptions ndots:5\n',
    ),
    'example.local',
  );
  assert.equal(
    clusterDomainOf('search ns.svc.cluster.local svc.cluster.local cluster.local'),
    'cluster.local',
  );
  assert.equal(clusterDomainOf('nameserver 1.1.1.1\nsearch corp.example.com\n'), undefined, 'not a pod');
});
