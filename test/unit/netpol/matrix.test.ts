/**
 * The fast matrix and the explaining evaluator must agree on every pair: they share the
 * compiled model but compute isolation, ports and peers by different routes (set algebra vs
 * rule walk). Checked on seeded random clusters that exercise every feature the generator has
 * (default denies, AND/OR peers, NotIn/Exists/DoesNotExist, ipBlock+except, named ports,
 * ranges, UDP, host-network agents on every node, policyTypes defaulting).
 */
import { syntheticCluster } from '#test/bench/netpol';
import { Bitset } from '#shared/netpol/bitset';
import { createEvaluator } from '#shared/netpol/evaluate';
import type { Protocol } from '#shared/netpol-api/types';
import { cluster, engine, policy } from './factories';

const PROBES: Array<[number, Protocol]> = [
  [80, 'TCP'],
  [8080, 'TCP'],
  [9090, 'TCP'],
  [8050, 'TCP'],
  [53, 'UDP'],
  [53, 'TCP'],
  [81, 'SCTP'],
];

describe('matrix agrees with the explaining evaluator', () => {
  test.each([1, 2, 3, 4, 5, 6])('random cluster, seed %i, every pair on 7 port/protocols', (seed) => {
    const { inventory, policies } = syntheticCluster({ pods: 70, namespaces: 6, policies: 60, seed, podsPerNode: 12 });
    const evaluator = createEvaluator(inventory, policies);
    const ids = evaluator.model.pods.map((p) => p.id);
    let allowedCount = 0;
    let deniedCount = 0;
    const mismatches: string[] = [];
    for (const [port, protocol] of PROBES) {
      const m = evaluator.matrix(port, protocol);
      expect(m.pods).toEqual(ids);
      let counted = 0;
      for (let s = 0; s < ids.length; s++) {
        for (let d = 0; d < ids.length; d++) {
          const e = evaluator.evaluate(ids[s]!, ids[d]!, port, protocol).allowed;
          const fast = m.allowed(s, d);
          if (e !== fast) mismatches.push(`${ids[s]} -> ${ids[d]} ${protocol}/${port}: evaluate ${e}, matrix ${fast}`);
          if (fast === true) counted++;
          if (e === true) allowedCount++;
          if (e === false) deniedCount++;
        }
      }
      expect(m.countAllowed()).toBe(counted);
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    // The random clusters must actually mix outcomes, or this test proves nothing.
    expect(allowedCount).toBeGreaterThan(1000);
    expect(deniedCount).toBeGreaterThan(1000);
  });

  test.each([1, 2, 3, 4])('random cluster with Admin and Baseline ClusterNetworkPolicies, seed %i, every pair', (seed) => {
    const { inventory, policies, clusterPolicies } = syntheticCluster({ pods: 60, namespaces: 6, policies: 40, clusterPolicies: 12, seed, podsPerNode: 12 });
    expect(clusterPolicies.some((p) => p.spec.tier === 'Admin') && clusterPolicies.some((p) => p.spec.tier === 'Baseline')).toBe(true);
    const evaluator = createEvaluator(inventory, [...policies, ...clusterPolicies]);
    const ids = evaluator.model.pods.map((p) => p.id);
    const mismatches: string[] = [];
    const decidedBy = new Set<string>();
    let allowedCount = 0;
    let deniedCount = 0;
    for (const [port, protocol] of PROBES) {
      const m = evaluator.matrix(port, protocol);
      for (let s = 0; s < ids.length; s++) {
        for (let d = 0; d < ids.length; d++) {
          const e = evaluator.evaluate(ids[s]!, ids[d]!, port, protocol);
          if (e.allowed !== m.allowed(s, d)) mismatches.push(`${ids[s]} -> ${ids[d]} ${protocol}/${port}: evaluate ${e.allowed}, matrix ${m.allowed(s, d)}`);
          for (const v of [e.egress, e.ingress]) decidedBy.add(v.kind === 'cluster-rule' ? `${v.tier}:${v.action}` : v.kind);
          if (e.allowed === true) allowedCount++;
          if (e.allowed === false) deniedCount++;
        }
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(allowedCount).toBeGreaterThan(500);
    expect(deniedCount).toBeGreaterThan(500);
    // Every tier decides some probes, or the agreement above proves little.
    expect([...decidedBy].filter((k) => k.includes(':')).sort()).toEqual(expect.arrayContaining(['Admin:Accept', 'Admin:Deny', 'Baseline:Deny']));
  });

  test('the generator is deterministic', () => {
    const a = syntheticCluster({ pods: 50, namespaces: 5, policies: 20, seed: 9 });
    const b = syntheticCluster({ pods: 50, namespaces: 5, policies: 20, seed: 9 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(syntheticCluster({ pods: 50, namespaces: 5, policies: 20, seed: 10 }))).not.toBe(JSON.stringify(a));
  });

  test('own-node ingress and host-network sources in the matrix', () => {
    const inv = cluster({
      pods: [
        { id: 'x/a', ip: '10.1.0.1', nodeName: 'n1', hostIP: '10.20.0.1' },
        { id: 'x/b', ip: '10.1.0.2', nodeName: 'n2', hostIP: '10.20.0.2' },
        { id: 'k/agent-1', ip: '10.20.0.1', hostNetwork: true, nodeName: 'n1', hostIP: '10.20.0.1' },
        { id: 'k/agent-2', ip: '10.20.0.2', hostNetwork: true, nodeName: 'n2', hostIP: '10.20.0.2' },
      ],
      nodes: [
        { name: 'n1', ip: '10.20.0.1' },
        { name: 'n2', ip: '10.20.0.2' },
      ],
    });
    const m = engine(inv, [policy('x/deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })]).matrix(80);
    const at = (f: string, t: string) => m.allowed(m.pods.indexOf(f), m.pods.indexOf(t));
    expect(at('k/agent-1', 'x/a')).toBe(true);
    expect(at('k/agent-2', 'x/a')).toBe(false);
    expect(at('k/agent-2', 'x/b')).toBe(true);
    expect(at('x/a', 'k/agent-1')).toBe(false);
    expect(at('k/agent-1', 'k/agent-2')).toBe(true);
  });
});

describe('Bitset', () => {
  test('add, has, delete, count across word boundaries', () => {
    const b = new Bitset(70);
    for (const i of [0, 31, 32, 63, 69]) b.add(i);
    expect(b.toArray()).toEqual([0, 31, 32, 63, 69]);
    expect(b.count()).toBe(5);
    b.delete(32);
    expect(b.has(32)).toBe(false);
    expect(b.has(31)).toBe(true);
  });

  test('full sets have exactly size members', () => {
    for (const size of [0, 1, 31, 32, 33, 64, 100]) expect(Bitset.full(size).count()).toBe(size);
  });

  test('or, and, orAnd', () => {
    const a = new Bitset(40);
    const b = new Bitset(40);
    [1, 5, 35].forEach((i) => a.add(i));
    [5, 6, 35, 39].forEach((i) => b.add(i));
    expect(a.clone().orInPlace(b).toArray()).toEqual([1, 5, 6, 35, 39]);
    expect(a.clone().andInPlace(b).toArray()).toEqual([5, 35]);
    const c = new Bitset(40);
    c.add(2);
    expect(c.orAnd(a, b).toArray()).toEqual([2, 5, 35]);
    expect(new Bitset(40).isEmpty()).toBe(true);
  });
});
