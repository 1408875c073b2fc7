/**
 * The upstream e2e model (kubernetes test/e2e/network/netpol/model.go): namespaces x, y, z;
 * pods a, b, c in each, labelled pod=<name>; every pod serves 80 and 81 over TCP, UDP and
 * SCTP, with container ports named serve-<port>-<protocol>. Plus the Reachability helper
 * (reachability.go) that states a truth table as "everything allowed, except...".
 */
import { ClusterInventory, normalizeInventory } from '#shared/inventory/cluster';
import { createEvaluator } from '#shared/netpol/evaluate';
import type { NetworkPolicy, Protocol } from '#shared/netpol-api/types';
import { parseNetworkPolicy } from '#shared/netpol/validate';

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const POD_NAMES = ['a', 'b', 'c'] as const;
export const PROTOCOLS: Protocol[] = ['TCP', 'UDP', 'SCTP'];

/** Pod IP of ns/pod: 10.0.<ns>.<pod>, all on one node 10.20.0.1. */
export function podIp(ns: string, pod: string): string {
  return `10.0.${NAMESPACES.indexOf(ns as never) + 1}.${POD_NAMES.indexOf(pod as never) + 1}`;
}

export function e2eInventory(overrides: { nsLabels?: Record<string, Record<string, string>>; podLabels?: Record<string, Record<string, string>> } = {}): ClusterInventory {
  return normalizeInventory(
    ClusterInventory.parse({
      namespaces: NAMESPACES.map((ns) => ({ name: ns, labels: { ns, ...(overrides.nsLabels?.[ns] ?? {}) } })),
      pods: NAMESPACES.flatMap((ns) =>
        POD_NAMES.map((pod) => ({
          namespace: ns,
          name: pod,
          labels: { pod, ...(overrides.podLabels?.[`${ns}/${pod}`] ?? {}) },
          ip: podIp(ns, pod),
          owner: { kind: 'Deployment', name: pod },
          nodeName: 'node-1',
          hostIP: '10.20.0.1',
          ports: [80, 81].flatMap((port) =>
            PROTOCOLS.map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, port, protocol })),
          ),
        })),
      ),
      nodes: [{ name: 'node-1', ip: '10.20.0.1' }],
    }),
  );
}

export const ALL_PODS = NAMESPACES.flatMap((ns) => POD_NAMES.map((p) => `${ns}/${p}`));

interface Peer {
  namespace?: string;
  pod?: string;
}

const matches = (peer: Peer, id: string) => {
  const [ns, pod] = id.split('/');
  return (!peer.namespace || peer.namespace === ns) && (!peer.pod || peer.pod === pod);
};

/** reachability.go: a default for every pair, then expectations applied in order. */
export class Reachability {
  private readonly table = new Map<string, boolean>();

  constructor(
    readonly pods: readonly string[] = ALL_PODS,
    defaultExpectation = true,
  ) {
    for (const f of pods) for (const t of pods) this.table.set(`${f}>${t}`, defaultExpectation);
  }

  expect(from: string, to: string, connected: boolean): this {
    this.table.set(`${from}>${to}`, connected);
    return this;
  }

  expectPeer(from: Peer, to: Peer, connected: boolean): this {
    for (const f of this.pods) for (const t of this.pods) if (matches(from, f) && matches(to, t)) this.table.set(`${f}>${t}`, connected);
    return this;
  }

  expectAllIngress(pod: string, connected: boolean): this {
    for (const f of this.pods) this.table.set(`${f}>${pod}`, connected);
    return this;
  }

  expectAllEgress(pod: string, connected: boolean): this {
    for (const t of this.pods) this.table.set(`${pod}>${t}`, connected);
    return this;
  }

  get(from: string, to: string): boolean {
    return this.table.get(`${from}>${to}`)!;
  }
}

/** A NetworkPolicy built like the e2e helpers: SetSpecIngressRules/SetSpecEgressRules add the type. */
export function gen(
  name: string,
  namespace: string,
  podSelector: Record<string, unknown>,
  rules: { ingress?: unknown[]; egress?: unknown[] },
): NetworkPolicy {
  const policyTypes: string[] = [];
  const spec: Record<string, unknown> = { podSelector };
  if (rules.ingress) {
    policyTypes.push('Ingress');
    spec.ingress = rules.ingress;
  }
  if (rules.egress) {
    policyTypes.push('Egress');
    spec.egress = rules.egress;
  }
  spec.policyTypes = policyTypes;
  return parseNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
}

export interface TableDiff {
  mismatches: string[];
  table: string;
}

/**
 * Compares the evaluator and the matrix with an expected truth table, ignoring loopback as
 * upstream does (ignoreLoopback = true). Returns the differing pairs and a printable table.
 */
export function compare(
  inventory: ClusterInventory,
  policies: NetworkPolicy[],
  port: number,
  protocol: Protocol,
  expected: Reachability,
): TableDiff {
  const evaluator = createEvaluator(inventory, policies);
  const matrix = evaluator.matrix(port, protocol);
  const mismatches: string[] = [];
  const header = `      ${expected.pods.map((p) => p.padEnd(4)).join('')}`;
  const rows = [header];
  for (const from of expected.pods) {
    let row = `${from.padEnd(6)}`;
    for (const to of expected.pods) {
      if (from === to) {
        row += '-   ';
        continue;
      }
      const answer = evaluator.evaluate(from, to, port, protocol);
      const s = matrix.pods.indexOf(from);
      const d = matrix.pods.indexOf(to);
      const fromMatrix = matrix.allowed(s, d);
      const want = expected.get(from, to);
      if (answer.allowed !== want) mismatches.push(`evaluate ${from} -> ${to}: got ${answer.allowed}, want ${want} (${answer.reason})`);
      if (fromMatrix !== want) mismatches.push(`matrix ${from} -> ${to}: got ${fromMatrix}, want ${want}`);
      row += answer.allowed === want ? (want ? '.   ' : 'X   ') : '!   ';
    }
    rows.push(row);
  }
  return { mismatches, table: rows.join('\n') };
}
