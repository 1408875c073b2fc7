/**
 * Reading policies that come in from outside (the Kubernetes API, stored records) into the
 * typed objects, with the kind's one schema (schema.ts). An object that does not read is never
 * dropped: it comes back as `unreadable`, with its name, its labels and annotations (so that
 * boundwatch can still recognise and remove its own) and what could not be read. For
 * verification an unreadable policy is residual uncertainty: what it allows is unknown.
 */
import type { z } from 'zod';
import { describeIssues } from '../errors';
import { APPLICATION_NETWORK_POLICY_API_VERSION, CLUSTER_NETWORK_POLICY_API_VERSION, type ApplicationNetworkPolicy, type ClusterNetworkPolicy } from './cluster-types';
import { ApplicationNetworkPolicySchema, ClusterNetworkPolicySchema, NetworkPolicySchema } from './schema';
import { NETWORK_POLICY_API_VERSION, type NetworkPolicy } from './types';

export interface PolicyKinds {
  NetworkPolicy: NetworkPolicy;
  ClusterNetworkPolicy: ClusterNetworkPolicy;
  ApplicationNetworkPolicy: ApplicationNetworkPolicy;
}
export type PolicyKind = keyof PolicyKinds;

const KINDS: { [K in PolicyKind]: { apiVersion: string; schema: z.ZodType<PolicyKinds[K]> } } = {
  NetworkPolicy: { apiVersion: NETWORK_POLICY_API_VERSION, schema: NetworkPolicySchema },
  ClusterNetworkPolicy: { apiVersion: CLUSTER_NETWORK_POLICY_API_VERSION, schema: ClusterNetworkPolicySchema },
  ApplicationNetworkPolicy: { apiVersion: APPLICATION_NETWORK_POLICY_API_VERSION, schema: ApplicationNetworkPolicySchema },
};

/** A policy that exists but does not read as its kind. */
export interface UnreadablePolicy {
  kind: PolicyKind;
  name: string;
  /** Absent for cluster-scoped kinds. */
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** What could not be read (`path: message`, the first five and how many more). */
  problems: string;
}

/** The readable policies of a list, and the ones that exist but do not read. */
export interface PolicyList<T> {
  items: T[];
  unreadable: UnreadablePolicy[];
}

export type PolicyRead<T> = { policy: T } | { unreadable: UnreadablePolicy };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): Record<string, string> => (isObject(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {});

/**
 * One object as the API (or a store) has it, in JSON form. Items of a list carry no
 * apiVersion and kind (the list does): those of the kind asked for are assumed.
 */
export function readPolicy<K extends PolicyKind>(kind: K, value: unknown): PolicyRead<PolicyKinds[K]> {
  const { apiVersion, schema } = KINDS[kind];
  const obj = isObject(value) ? { ...value, apiVersion: value.apiVersion ?? apiVersion, kind: value.kind ?? kind } : value;
  const parsed = schema.safeParse(obj);
  if (parsed.success) return { policy: parsed.data };
  const meta = isObject(value) && isObject(value.metadata) ? value.metadata : {};
  return {
    unreadable: {
      kind,
      name: typeof meta.name === 'string' ? meta.name : '?',
      ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
      labels: strings(meta.labels),
      annotations: strings(meta.annotations),
      problems: describeIssues(parsed.error.issues, 5),
    },
  };
}

export function readPolicies<K extends PolicyKind>(kind: K, values: readonly unknown[]): PolicyList<PolicyKinds[K]> {
  const out: PolicyList<PolicyKinds[K]> = { items: [], unreadable: [] };
  for (const v of values) {
    const r = readPolicy(kind, v);
    if ('policy' in r) out.items.push(r.policy);
    else out.unreadable.push(r.unreadable);
  }
  return out;
}

/** How results name an unreadable policy: `NetworkPolicy ns/name`, `ClusterNetworkPolicy name`. */
export function unreadableRef(u: UnreadablePolicy): string {
  return `${u.kind} ${u.namespace !== undefined ? `${u.namespace}/` : ''}${u.name}`;
}
