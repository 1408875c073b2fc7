/**
 * Least-privilege NetworkPolicies from observed flows (issue #5), per namespace:
 * - `default-deny`: every pod isolated for ingress and egress;
 * - `allow-<workload>` per workload: the ingress and egress its observed flows need, and
 *   nothing else.
 *
 * Choices, each from a known failure of other generators (shared/netpol/README.md#what-other-generators-taught-us):
 * - selectors are minimal and stable (shared/inventory/workload.ts: app.kubernetes.io/name,
 *   then app, ...; never pod-template-hash or other per-rollout labels);
 * - peers in other namespaces are ANDed with `kubernetes.io/metadata.name` (one list item);
 * - ports are aggregated per peer, and peers with the same ports share one rule;
 * - DNS to kube-dns is allowed on UDP and TCP 53 by `k8s-app: kube-dns`, never by the pods'
 *   other labels and never as port 53 to anywhere;
 * - host-network pods and nodes are not selectable: they become /32 ipBlocks of their node
 *   addresses, and ingress from a pod's own node (kubelet probes) needs no rule at all;
 * - external networks become ipBlocks of the aggregated networks; past `maxExternalBlocks`
 *   they collapse into "the internet" (0.0.0.0/0 except private space);
 * - protected namespaces (kube-system by default) get no policies;
 * - at most 24 port combinations per protocol per rule (EKS VPC CNI): adjacent ports merge
 *   into ranges, and the closest ranges merge until the rule fits, which is reported.
 * - on request (`baseline`), one Baseline-tier ClusterNetworkPolicy replaces the per-namespace
 *   default-deny: every pod outside the protected namespaces is denied to and from pods and
 *   networks unless a namespace policy decides otherwise, DNS to kube-dns excepted (EKS user
 *   guide, "Limit pod traffic with Kubernetes network policies": a Baseline rule applies only
 *   where no NetworkPolicy selects the pod; the namespaces refine it with their own policies);
 * - with DNS names of external addresses (`namesOf`, from Route 53 Resolver query logs), an
 *   external egress network whose observed addresses all have names becomes an
 *   ApplicationNetworkPolicy `allow-<workload>-names` allowing those names (EKS Auto Mode
 *   enforces `domainNames`); networks with any unnamed address stay ipBlocks. Such a
 *   workload is always allowed DNS to kube-dns, observed or not: its names need lookups, and
 *   lookups are not reliably in flow logs. The names come from the whole VPC's queries (the
 *   log's source is CoreDNS, not the pod), so any name that answered with an address the
 *   workload used is allowed: the report lists them for review.
 * Output is deterministic: every list is sorted, objects are built in a fixed key order.
 */
import type { ClusterInventory, InventoryPod } from '#shared/inventory/cluster';
import { DEFAULT_PRIVATE_CIDRS } from '#shared/inventory/net';
import { workloadKey, workloadOf, workloadSelector, type WorkloadId, type WorkloadSelector } from '#shared/inventory/workload';
import type { Edge } from '#shared/flows/graph';
import { EKS_MAX_PORT_COMBINATIONS } from '../eks-limits';
import { NAMESPACE_NAME_LABEL } from '../model';
import { hostCidr } from '../ip';
import {
  APPLICATION_NETWORK_POLICY_API_VERSION,
  CLUSTER_NETWORK_POLICY_API_VERSION,
  DOMAIN_NAME_PATTERN,
  type AnyNetworkPolicy,
  type ApplicationNetworkPolicy,
  type ApplicationNetworkPolicyEgressRule,
  type ApplicationNetworkPolicyPeer,
  type ClusterNetworkPolicy,
} from '#shared/netpol-api/cluster-types';
import type { NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPort, NetworkPolicySpec, PolicyType, Protocol } from '#shared/netpol-api/types';

export const MANAGED_BY = { key: 'app.kubernetes.io/managed-by', value: 'boundwatch' } as const;
export const DNS_SELECTOR = { 'k8s-app': 'kube-dns' } as const;

export interface AdviseOptions {
  protectedNamespaces?: readonly string[];
  /** External networks per workload and direction before they collapse into "the internet". */
  maxExternalBlocks?: number;
  /** Namespace of the cluster DNS (kube-dns); default kube-system. */
  dnsNamespace?: string;
  /** Observation window, recorded in an annotation. */
  window?: { from: number; to: number } | undefined;
  /** One Baseline-tier ClusterNetworkPolicy default deny (DNS allowed) instead of a default-deny per namespace. */
  baseline?: boolean;
  /** DNS names an external address answered for, most asked-for first (Route 53 Resolver query logs). */
  namesOf?: ((ip: string) => readonly string[]) | undefined;
}

/** The cluster default deny `baseline` writes; the last Baseline priority, so the cluster's own Baseline policies come first. */
export const BASELINE_POLICY = { name: 'boundwatch-default-deny', priority: 1000 } as const;
/** Where cluster-scoped advice is written: no namespace can be called this (names cannot start with `_`). */
export const CLUSTER_SCOPE_FOLDER = '_cluster';

export type NoteKind =
  | 'own-node'
  | 'host-network-workload'
  | 'protected-namespace'
  | 'selector-overlap'
  | 'unselectable-workload'
  | 'vpc-address'
  | 'external-collapsed'
  | 'ports-widened'
  | 'dns-both-protocols'
  | 'node-peer'
  | 'baseline-ingress'
  | 'egress-by-name'
  | 'dns-for-names';

export interface AdviceNote {
  kind: NoteKind;
  namespace?: string;
  workload?: string;
  text: string;
}

interface PortSpec {
  protocol: string;
  port: number;
  endPort?: number;
}

/** A peer of a rule, with what it renders to. */
interface Peer {
  /** Sort and grouping key. */
  id: string;
  /** As a rule peer; `domainNames` only in an ApplicationNetworkPolicy. */
  render: ApplicationNetworkPolicyPeer;
  /** What the report calls it. */
  label: string;
  /** ipBlock CIDR, when the peer is one. */
  cidr?: string;
  /** The cluster DNS (kube-dns). */
  dns?: boolean;
}

export interface AdvisedRule {
  peers: string[];
  ports: PortSpec[];
}

export interface AdvisedPolicy {
  namespace: string;
  name: string;
  kind: 'default-deny' | 'workload' | 'cluster-default-deny' | 'workload-names';
  workload?: string;
  manifest: AnyNetworkPolicy;
  ingress: AdvisedRule[];
  egress: AdvisedRule[];
}

export interface IpBlockUse {
  namespace: string;
  workload: string;
  direction: 'ingress' | 'egress';
  cidr: string;
  /** Addresses actually seen inside the block. */
  observed: string[];
}

export interface AdviceBuild {
  policies: AdvisedPolicy[];
  notes: AdviceNote[];
  blocks: IpBlockUse[];
  /** Workloads that got a policy, by key. */
  advised: string[];
}

interface WorkloadInfo {
  id: WorkloadId;
  key: string;
  pods: InventoryPod[];
  hostNetwork: boolean;
  selector: WorkloadSelector;
  isDns: boolean;
}

interface DirectionAcc {
  peers: Map<string, { peer: Peer; ports: Set<string> }>;
  observed: Map<string, Set<string>>;
}

const portKey = (protocol: string, port: number) => `${protocol}/${port}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sortedObject(o: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k] as string;
  return out;
}

/** DNS-1123 subdomain from arbitrary text (workload names usually already are one). */
export function policyName(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 253)
    .replace(/[^a-z0-9]+$/g, '');
  return s || 'workload';
}

function blockPeer(cidr: string, label: string): Peer {
  return { id: `2|${cidr}`, render: { ipBlock: { cidr } }, label, cidr };
}

const INTERNET_V4: Peer = {
  id: '3|0.0.0.0/0',
  render: { ipBlock: { cidr: '0.0.0.0/0', except: DEFAULT_PRIVATE_CIDRS.filter((c) => !c.includes(':')) } },
  label: 'the internet (IPv4, private space excepted)',
  cidr: '0.0.0.0/0',
};

/** Adjacent ports into ranges, then the closest ranges merged until at most `max` remain. */
export function compressPorts(ports: readonly number[], max = EKS_MAX_PORT_COMBINATIONS): { ranges: Array<[number, number]>; widenedBy: number } {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  for (const p of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && p === last[1] + 1) last[1] = p;
    else ranges.push([p, p]);
  }
  let widenedBy = 0;
  while (ranges.length > max) {
    let best = 0;
    for (let i = 1; i < ranges.length - 1; i++) {
      const gap = (ranges[i + 1] as [number, number])[0] - (ranges[i] as [number, number])[1];
      const bestGap = (ranges[best + 1] as [number, number])[0] - (ranges[best] as [number, number])[1];
      if (gap < bestGap) best = i;
    }
    const a = ranges[best] as [number, number];
    const b = ranges[best + 1] as [number, number];
    widenedBy += b[0] - a[1] - 1;
    ranges.splice(best, 2, [a[0], b[1]]);
  }
  return { ranges, widenedBy };
}

function renderPorts(portSet: ReadonlySet<string>, note: (text: string) => void): PortSpec[] {
  const byProto = new Map<string, number[]>();
  for (const k of portSet) {
    const [protocol, port] = k.split('/') as [string, string];
    byProto.set(protocol, [...(byProto.get(protocol) ?? []), Number(port)]);
  }
  const out: PortSpec[] = [];
  for (const protocol of [...byProto.keys()].sort()) {
    const { ranges, widenedBy } = compressPorts(byProto.get(protocol) ?? []);
    if (widenedBy > 0) {
      note(`${protocol}: ${(byProto.get(protocol) ?? []).length} observed ports merged into ${ranges.length} ranges to stay within EKS's ${EKS_MAX_PORT_COMBINATIONS} per rule; ${widenedBy} port(s) allowed without being observed`);
    }
    for (const [a, b] of ranges) out.push(a === b ? { protocol, port: a } : { protocol, port: a, endPort: b });
  }
  return out;
}

/** Builds the policies for every advised namespace from the observed edges. */
export function buildAdvice(inventory: ClusterInventory, edges: readonly Edge[], opts: AdviseOptions = {}): AdviceBuild {
  const protectedNs = new Set(opts.protectedNamespaces ?? ['kube-system']);
  const dnsNamespace = opts.dnsNamespace ?? 'kube-system';
  const maxExternal = opts.maxExternalBlocks ?? 16;
  const notes: AdviceNote[] = [];
  const blocks: IpBlockUse[] = [];

  // Workloads of the inventory, with their stable selectors.
  const byKey = new Map<string, WorkloadInfo>();
  const podsByNs = new Map<string, InventoryPod[]>();
  const podById = new Map<string, InventoryPod>();
  for (const pod of inventory.pods) {
    podById.set(`${pod.namespace}/${pod.name}`, pod);
    podsByNs.set(pod.namespace, [...(podsByNs.get(pod.namespace) ?? []), pod]);
  }
  for (const pod of inventory.pods) {
    const id = workloadOf(pod);
    const key = workloadKey(id);
    let w = byKey.get(key);
    if (!w) {
      w = { id, key, pods: [], hostNetwork: false, selector: { matchLabels: {}, alsoSelects: [], basis: 'none' }, isDns: false };
      byKey.set(key, w);
    }
    w.pods.push(pod);
    if (pod.hostNetwork) w.hostNetwork = true;
    if (pod.namespace === dnsNamespace && pod.labels['k8s-app'] === DNS_SELECTOR['k8s-app']) w.isDns = true;
  }
  for (const w of byKey.values()) {
    const nsPods = (podsByNs.get(w.id.namespace) ?? []).filter((p) => !p.hostNetwork);
    w.selector = workloadSelector(w.id, nsPods);
  }
  const nodeIpsByName = new Map(inventory.nodes.map((n) => [n.name, n.ip]));
  const nodeAddressesOf = (pod: InventoryPod): Set<string> => {
    const s = new Set<string>();
    if (pod.hostIP) s.add(pod.hostIP);
    const byName = pod.nodeName ? nodeIpsByName.get(pod.nodeName) : undefined;
    if (byName) s.add(byName);
    return s;
  };
  const hostAddressesOf = (w: WorkloadInfo): string[] =>
    [...new Set(w.pods.map((p) => p.hostIP ?? p.ip))].sort(cmp);

  const isAdvised = (w: WorkloadInfo | undefined): w is WorkloadInfo =>
    !!w && !w.hostNetwork && !protectedNs.has(w.id.namespace) && Object.keys(w.selector.matchLabels).length > 0;

  const podPeer = (w: WorkloadInfo, fromNamespace: string): Peer => {
    const sel = w.isDns ? { ...DNS_SELECTOR } : sortedObject(w.selector.matchLabels);
    const render: ApplicationNetworkPolicyPeer =
      w.id.namespace === fromNamespace
        ? { podSelector: { matchLabels: sel } }
        : { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: w.id.namespace } }, podSelector: { matchLabels: sel } };
    return { id: `1|${w.id.namespace}|${JSON.stringify(sel)}`, render, label: `${w.id.namespace}/${w.id.name}`, ...(w.isDns ? { dns: true } : {}) };
  };

  // `names`: egress by DNS name, rendered into an ApplicationNetworkPolicy.
  const acc = new Map<string, { ingress: DirectionAcc; egress: DirectionAcc; names: DirectionAcc }>();
  const accFor = (w: WorkloadInfo, dir: 'ingress' | 'egress' | 'names'): DirectionAcc => {
    let a = acc.get(w.key);
    if (!a) {
      a = { ingress: { peers: new Map(), observed: new Map() }, egress: { peers: new Map(), observed: new Map() }, names: { peers: new Map(), observed: new Map() } };
      acc.set(w.key, a);
    }
    return a[dir];
  };
  const add = (d: DirectionAcc, peer: Peer, protocol: string, port: number, observedAddress?: string) => {
    let entry = d.peers.get(peer.id);
    if (!entry) {
      entry = { peer, ports: new Set() };
      d.peers.set(peer.id, entry);
    }
    entry.ports.add(portKey(protocol, port));
    if (peer.cidr && observedAddress) {
      const set = d.observed.get(peer.id) ?? new Set<string>();
      set.add(observedAddress);
      d.observed.set(peer.id, set);
    }
  };
  // One address as an ipBlock: /32 or /128; an unparseable address (flow logs and inventories
  // are input too) adds no rule rather than an invalid policy.
  const addHost = (d: DirectionAcc, ip: string, label: string, protocol: string, port: number) => {
    const cidr = hostCidr(ip);
    if (cidr) add(d, blockPeer(cidr, label), protocol, port, ip);
  };
  const noteOnce = new Set<string>();
  const note = (n: AdviceNote) => {
    const k = `${n.kind}|${n.namespace}|${n.workload}|${n.text}`;
    if (!noteOnce.has(k)) {
      noteOnce.add(k);
      notes.push(n);
    }
  };

  const sortedEdges = [...edges].sort((a, b) => cmp(`${a.src}>${a.dst}#${a.port}#${a.protocol}`, `${b.src}>${b.dst}#${b.port}#${b.protocol}`));
  for (const e of sortedEdges) {
    const src = e.srcKind === 'pod' ? byKey.get(e.src) : undefined;
    const dst = e.dstKind === 'pod' ? byKey.get(e.dst) : undefined;
    const pairs = [...(e.pairs?.values() ?? [])];

    // Egress of the source workload.
    if (isAdvised(src)) {
      const d = accFor(src, 'egress');
      if (dst && !dst.hostNetwork) {
        if (dst.isDns) {
          add(d, podPeer(dst, src.id.namespace), 'UDP', 53);
          add(d, podPeer(dst, src.id.namespace), 'TCP', 53);
          if (e.port !== 53) add(d, podPeer(dst, src.id.namespace), e.protocol, e.port);
        } else {
          add(d, podPeer(dst, src.id.namespace), e.protocol, e.port);
        }
      } else if (dst && dst.hostNetwork) {
        for (const ip of hostAddressesOf(dst)) addHost(d, ip, `${dst.id.namespace}/${dst.id.name}@${ip} (host network)`, e.protocol, e.port);
        note({ kind: 'host-network-workload', namespace: src.id.namespace, workload: src.key, text: `${dst.key} runs in the host network: reached through its node addresses (single-address ipBlocks), not a pod selector` });
      } else if (e.dstKind === 'node') {
        for (const p of pairs) addHost(d, p.dst, `node ${e.dst.slice(5)}`, e.protocol, e.port);
        note({ kind: 'node-peer', namespace: src.id.namespace, workload: src.key, text: `${src.key} connects to node ${e.dst.slice(5)} on ${e.protocol}/${e.port}: allowed by the node's address` });
      } else if (e.dstKind === 'vpc') {
        const ip = e.dst.slice(4);
        addHost(d, ip, `${ip} (VPC)`, e.protocol, e.port);
      } else if (e.dstKind === 'external') {
        const cidr = e.dst.slice(4);
        const named = opts.namesOf && pairs.length ? pairs.map((p) => domainNamesOf(opts.namesOf!(p.dst))) : [];
        if (named.length && named.every((n) => n.length > 0)) {
          // Every address seen has a name: allow the names, not the network (an address the names move to next week still works).
          const dn = accFor(src, 'names');
          for (const n of new Set(named.flat())) add(dn, { id: `4|${n}`, render: { domainNames: [n] }, label: n }, e.protocol, e.port);
          note({ kind: 'egress-by-name', namespace: src.id.namespace, workload: src.key, text: `${src.key} → ${cidr} ${e.protocol}/${e.port}: allowed by name (${[...new Set(named.flat())].join(', ')}) in an ApplicationNetworkPolicy (EKS Auto Mode)` });
        } else {
          for (const p of pairs) add(d, blockPeer(cidr, `${cidr} (external)`), e.protocol, e.port, p.dst);
          if (pairs.length === 0) add(d, blockPeer(cidr, `${cidr} (external)`), e.protocol, e.port);
        }
      }
    }

    // Ingress of the destination workload.
    if (isAdvised(dst)) {
      const d = accFor(dst, 'ingress');
      if (src && !src.hostNetwork) {
        add(d, podPeer(src, dst.id.namespace), e.protocol, e.port);
      } else if (e.srcKind === 'node' || (src && src.hostNetwork)) {
        const what = src ? `${src.key} (host network)` : 'the node';
        for (const p of pairs) {
          const srcAddress = src ? (podById.get(p.src)?.hostIP ?? podById.get(p.src)?.ip ?? p.src) : p.src;
          const target = podById.get(p.dst);
          // A pod always accepts traffic from its own node (kubelet probes): no rule needed.
          if (target && nodeAddressesOf(target).has(srcAddress)) {
            note({ kind: 'own-node', namespace: dst.id.namespace, workload: dst.key, text: `${what} → ${dst.key} ${e.protocol}/${e.port} comes from each pod's own node, which NetworkPolicy always allows: no rule` });
            continue;
          }
          addHost(d, srcAddress, `${srcAddress} (${src ? `${src.id.namespace}/${src.id.name}, host network` : `node ${e.src.slice(5)}`})`, e.protocol, e.port);
        }
      } else if (e.srcKind === 'vpc') {
        const ip = e.src.slice(4);
        addHost(d, ip, `${ip} (VPC)`, e.protocol, e.port);
        note({ kind: 'vpc-address', namespace: dst.id.namespace, workload: dst.key, text: `${dst.key} receives from VPC address ${ip} (a load balancer?): allowed as ${hostCidr(ip) ?? ip}; if its addresses change, widen to its subnets` });
      } else if (e.srcKind === 'external') {
        const cidr = e.src.slice(4);
        for (const p of pairs) add(d, blockPeer(cidr, `${cidr} (external)`), e.protocol, e.port, p.src);
        if (pairs.length === 0) add(d, blockPeer(cidr, `${cidr} (external)`), e.protocol, e.port);
      }
    }
  }

  // Name-based egress works only if the pod can look the names up (EKS: DNS over UDP and TCP
  // must be allowed for domainNames). Lookups cannot be taken from flows: CoreDNS on the same
  // node never crosses an ENI, and the VPC resolver's traffic is never in flow logs. So DNS is
  // added from the template, not from observation.
  const dnsForNames = new Set<string>();
  for (const w of [...byKey.values()].sort((a, b) => cmp(a.key, b.key))) {
    const a = acc.get(w.key);
    if (!a?.names.peers.size || [...a.egress.peers.values()].some((e) => e.peer.dns)) continue;
    const peer = dnsPeer(dnsNamespace, w.id.namespace);
    add(a.egress, peer, 'UDP', 53);
    add(a.egress, peer, 'TCP', 53);
    dnsForNames.add(w.key);
    note({ kind: 'dns-for-names', namespace: w.id.namespace, workload: w.key, text: `${w.key}: DNS to ${dnsNamespace}/kube-dns allowed on UDP and TCP 53 though no lookup was observed: its egress by name needs them` });
  }

  // Notes on what is left out.
  for (const w of [...byKey.values()].sort((a, b) => cmp(a.key, b.key))) {
    if (protectedNs.has(w.id.namespace)) continue;
    if (w.hostNetwork) {
      note({ kind: 'host-network-workload', namespace: w.id.namespace, workload: w.key, text: `${w.key} runs in the host network: NetworkPolicy cannot select it, no policy` });
    } else if (Object.keys(w.selector.matchLabels).length === 0) {
      note({ kind: 'unselectable-workload', namespace: w.id.namespace, workload: w.key, text: `${w.key} has no stable labels to select it by: only the namespace default-deny applies; label its pods` });
    } else if (w.selector.alsoSelects.length > 0) {
      note({ kind: 'selector-overlap', namespace: w.id.namespace, workload: w.key, text: `the selector of ${w.key} also picks ${w.selector.alsoSelects.join(', ')}: they share its allowances` });
    }
  }
  for (const ns of [...protectedNs].sort()) {
    if (podsByNs.has(ns)) note({ kind: 'protected-namespace', namespace: ns, text: `${ns} is protected: no policies generated there (flows to and from it are still allowed on the other side)` });
  }

  const policies: AdvisedPolicy[] = [];
  const annotations = (workload?: string): Record<string, string> => ({
    'boundwatch.io/generated-by': 'boundwatch netpol advise',
    ...(opts.window ? { 'boundwatch.io/observed': `${new Date(opts.window.from).toISOString()}/${new Date(opts.window.to).toISOString()}` } : {}),
    ...(workload ? { 'boundwatch.io/workload': workload } : {}),
  });
  const namespaces = [...podsByNs.keys()].filter((ns) => !protectedNs.has(ns) && (podsByNs.get(ns) ?? []).some((p) => !p.hostNetwork)).sort(cmp);
  if (opts.baseline && namespaces.length) {
    policies.push({
      namespace: CLUSTER_SCOPE_FOLDER,
      name: BASELINE_POLICY.name,
      kind: 'cluster-default-deny',
      ingress: [],
      egress: [{ peers: [`${dnsNamespace}/kube-dns`], ports: [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }] }],
      manifest: baselineManifest([...protectedNs].sort(cmp), dnsNamespace, annotations()),
    });
    note({
      kind: 'baseline-ingress',
      text: `${BASELINE_POLICY.name}: ClusterNetworkPolicy ingress peers are pods only, so traffic from nodes, the VPC and the internet into pods no namespace policy isolates stays allowed; the per-workload policies below isolate the pods they select`,
    });
  }
  for (const ns of namespaces) {
    if (!opts.baseline) {
      policies.push({
        namespace: ns,
        name: 'default-deny',
        kind: 'default-deny',
        ingress: [],
        egress: [],
        manifest: manifest(ns, 'default-deny', annotations(), { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
      });
    }
    const workloads = [...byKey.values()].filter((w) => w.id.namespace === ns && isAdvised(w) && acc.has(w.key)).sort((a, b) => cmp(a.key, b.key));
    const baseNames = new Map<string, number>();
    for (const w of workloads) baseNames.set(policyName(w.id.name), (baseNames.get(policyName(w.id.name)) ?? 0) + 1);
    for (const w of workloads) {
      const a = acc.get(w.key) as { ingress: DirectionAcc; egress: DirectionAcc; names: DirectionAcc };
      const base = policyName(w.id.name);
      const name = (baseNames.get(base) ?? 0) > 1 ? `allow-${base}-${policyName(w.id.kind)}` : `allow-${base}`;
      const built = { ingress: [] as AdvisedRule[], egress: [] as AdvisedRule[] };
      const rendered: { ingress: NetworkPolicyIngressRule[]; egress: NetworkPolicyEgressRule[] } = { ingress: [], egress: [] };
      for (const dir of ['ingress', 'egress'] as const) {
        const d = a[dir];
        collapseExternal(d, maxExternal, (text) => note({ kind: 'external-collapsed', namespace: ns, workload: w.key, text: `${w.key} ${dir}: ${text}` }));
        for (const [id, entry] of d.peers) {
          if (entry.peer.cidr) blocks.push({ namespace: ns, workload: w.key, direction: dir, cidr: entry.peer.cidr, observed: [...(d.observed.get(id) ?? [])].sort(cmp) });
        }
        // Peers with identical ports share one rule.
        const bySignature = new Map<string, { peers: Peer[]; ports: Set<string> }>();
        for (const entry of [...d.peers.values()].sort((x, y) => cmp(x.peer.id, y.peer.id))) {
          const sig = [...entry.ports].sort().join(',');
          const g = bySignature.get(sig) ?? { peers: [], ports: entry.ports };
          g.peers.push(entry.peer);
          bySignature.set(sig, g);
        }
        const rules = [...bySignature.values()].sort((x, y) => cmp((x.peers[0] as Peer).id, (y.peers[0] as Peer).id));
        for (const g of rules) {
          const ports = renderPorts(g.ports, (text) => note({ kind: 'ports-widened', namespace: ns, workload: w.key, text: `${w.key} ${dir} to ${g.peers.map((p) => p.label).join(', ')}: ${text}` }));
          built[dir].push({ peers: g.peers.map((p) => p.label), ports });
          const peers = g.peers.map((p) => p.render);
          if (dir === 'ingress') rendered.ingress.push({ from: peers, ports: ports.map(renderPort) });
          else rendered.egress.push({ to: peers, ports: ports.map(renderPort) });
        }
      }
      if ([...a.egress.peers.values()].some((p) => p.peer.dns) && !dnsForNames.has(w.key) && !observedOnBoth(edges, w.key)) {
        note({ kind: 'dns-both-protocols', namespace: ns, workload: w.key, text: `${w.key}: DNS allowed on UDP and TCP 53 (resolvers retry over TCP when answers are large) though only one was observed` });
      }
      const policyTypes: PolicyType[] = [...(built.ingress.length ? (['Ingress'] as const) : []), ...(built.egress.length ? (['Egress'] as const) : [])];
      if (policyTypes.length) {
        const spec: NetworkPolicySpec = {
          podSelector: { matchLabels: sortedObject(w.selector.matchLabels) },
          policyTypes,
          ...(built.ingress.length ? { ingress: rendered.ingress } : {}),
          ...(built.egress.length ? { egress: rendered.egress } : {}),
        };
        policies.push({ namespace: ns, name, kind: 'workload', workload: w.key, ingress: built.ingress, egress: built.egress, manifest: manifest(ns, name, annotations(w.key), spec) });
      }
      if (a.names.peers.size) {
        // Egress only: the ApplicationNetworkPolicy adds to the NetworkPolicy above (same tier, additive).
        const groups = new Map<string, { names: string[]; ports: Set<string> }>();
        for (const entry of [...a.names.peers.values()].sort((x, y) => cmp(x.peer.id, y.peer.id))) {
          const sig = [...entry.ports].sort().join(',');
          const g = groups.get(sig) ?? { names: [], ports: entry.ports };
          g.names.push(entry.peer.label);
          groups.set(sig, g);
        }
        const rules: AdvisedRule[] = [];
        const egress: ApplicationNetworkPolicyEgressRule[] = [];
        for (const g of [...groups.values()].sort((x, y) => cmp(x.names[0]!, y.names[0]!))) {
          const ports = renderPorts(g.ports, () => undefined);
          rules.push({ peers: g.names, ports });
          egress.push({ to: [{ domainNames: g.names }], ports: ports.map(renderPort) });
        }
        const namesName = `${name}-names`;
        const spec: ApplicationNetworkPolicy['spec'] = { podSelector: { matchLabels: sortedObject(w.selector.matchLabels) }, policyTypes: ['Egress'], egress };
        const { metadata } = manifest(ns, namesName, annotations(w.key), { podSelector: {}, policyTypes: [] });
        policies.push({
          namespace: ns, name: namesName, kind: 'workload-names', workload: w.key, ingress: [], egress: rules,
          manifest: { apiVersion: APPLICATION_NETWORK_POLICY_API_VERSION, kind: 'ApplicationNetworkPolicy', metadata, spec },
        });
      }
    }
  }
  const advised = [...new Set(policies.filter((p) => p.workload).map((p) => p.workload as string))].sort(cmp);
  blocks.sort((x, y) => cmp(`${x.namespace}|${x.workload}|${x.direction}|${x.cidr}`, `${y.namespace}|${y.workload}|${y.direction}|${y.cidr}`));
  return { policies, notes, blocks, advised };
}

/** Whether the workload was seen doing DNS over both UDP and TCP. */
function observedOnBoth(edges: readonly Edge[], workload: string): boolean {
  const protos = new Set(edges.filter((e) => e.src === workload && e.port === 53).map((e) => e.protocol));
  return protos.has('UDP') && protos.has('TCP');
}

/** Too many external networks become one "internet" block (IPv4), with the union of their ports. */
function collapseExternal(d: DirectionAcc, max: number, note: (text: string) => void): void {
  const external = [...d.peers.entries()].filter(([, e]) => e.peer.id.startsWith('2|') && e.peer.label.endsWith('(external)') && !e.peer.cidr?.includes(':'));
  if (external.length <= max) return;
  const ports = new Set<string>();
  const observed = new Set<string>();
  for (const [id, e] of external) {
    for (const p of e.ports) ports.add(p);
    for (const ip of d.observed.get(id) ?? []) observed.add(ip);
    d.peers.delete(id);
    d.observed.delete(id);
  }
  d.peers.set(INTERNET_V4.id, { peer: INTERNET_V4, ports });
  d.observed.set(INTERNET_V4.id, observed);
  note(`${external.length} external networks (more than ${max}) allowed as the internet: 0.0.0.0/0 except private address space`);
}

/** kube-dns as a peer, rendered as the observed DNS workload is (same id, so the two merge). */
function dnsPeer(dnsNamespace: string, fromNamespace: string): Peer {
  const sel = { ...DNS_SELECTOR };
  const render: ApplicationNetworkPolicyPeer =
    dnsNamespace === fromNamespace
      ? { podSelector: { matchLabels: sel } }
      : { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: dnsNamespace } }, podSelector: { matchLabels: sel } };
  return { id: `1|${dnsNamespace}|${JSON.stringify(sel)}`, render, label: `${dnsNamespace}/kube-dns`, dns: true };
}

/** Names usable as `domainNames` (the CRD pattern), at most 8 per address. */
function domainNamesOf(names: readonly string[]): string[] {
  return names.filter((n) => DOMAIN_NAME_PATTERN.test(n) && !n.startsWith('*')).slice(0, 8);
}

/**
 * The Baseline default deny: subjects are the namespaces not protected; DNS to kube-dns is
 * accepted first (rules are evaluated in the order written), then every pod and network is
 * denied in both directions. Priority 1000 puts it after any Baseline policy of the cluster.
 */
function baselineManifest(protectedNs: readonly string[], dnsNamespace: string, annotations: Record<string, string>): ClusterNetworkPolicy {
  const subject: ClusterNetworkPolicy['spec']['subject'] = protectedNs.length
    ? { namespaces: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: [...protectedNs] }] } }
    : { namespaces: {} };
  return {
    apiVersion: CLUSTER_NETWORK_POLICY_API_VERSION,
    kind: 'ClusterNetworkPolicy',
    metadata: { name: BASELINE_POLICY.name, labels: { [MANAGED_BY.key]: MANAGED_BY.value }, annotations },
    spec: {
      tier: 'Baseline',
      priority: BASELINE_POLICY.priority,
      subject,
      ingress: [{ name: 'default-deny', action: 'Deny', from: [{ namespaces: {} }] }],
      egress: [
        {
          name: 'dns',
          action: 'Accept',
          to: [{ pods: { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: dnsNamespace } }, podSelector: { matchLabels: { ...DNS_SELECTOR } } } }],
          ports: [{ portNumber: { protocol: 'TCP', port: 53 } }, { portNumber: { protocol: 'UDP', port: 53 } }],
        },
        { name: 'default-deny', action: 'Deny', to: [{ networks: ['0.0.0.0/0', '::/0'] }] },
      ],
    },
  };
}

/**
 * A rendered port. Its protocol comes from observed flows; advise() validates every advised
 * object as the API server would right after, so a protocol outside the enum stops there.
 */
function renderPort(p: PortSpec): NetworkPolicyPort {
  return { protocol: p.protocol as Protocol, port: p.port, ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) };
}

function manifest(namespace: string, name: string, annotations: Record<string, string>, spec: NetworkPolicySpec): NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace, labels: { [MANAGED_BY.key]: MANAGED_BY.value }, annotations },
    spec,
  };
}
