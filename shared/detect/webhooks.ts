/**
 * What an admission-webhook write says, from its body: where the webhooks send requests, and
 * whether the write only rotates the CA bundle. Total over any body (odd shapes read as "nothing").
 */
import ipaddr from 'ipaddr.js';
import type { AuditEvent } from '../audit/event';
import { body } from '../audit/request-object';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const WEBHOOK_RESOURCES: ReadonlySet<string> = new Set(['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']);

/** `clientConfig.url` of every webhook in the body (in-cluster webhooks name a `service` instead). */
export function webhookUrls(event: AuditEvent): string[] {
  const b = body(event);
  const hooks = b && Array.isArray(b.webhooks) ? b.webhooks : [];
  const out: string[] = [];
  for (const h of hooks.slice(0, 64)) {
    const url = isObj(h) && isObj(h.clientConfig) ? h.clientConfig.url : undefined;
    if (typeof url === 'string') out.push(url.slice(0, 512));
  }
  return out;
}

export type UrlReach = 'cluster' | 'private' | 'public';

/**
 * Where a webhook URL points: a cluster service name (`*.svc`, `*.cluster.local`), a private or
 * internal address (the VPC, outside the cluster), or anywhere else (a public address or a name
 * that resolves outside the cluster).
 */
export function urlReach(url: string): UrlReach {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return 'public';
  }
  if (/\.svc$|\.svc\.cluster\.local$|\.cluster\.local$/.test(host)) return 'cluster';
  if (ipaddr.isValid(host)) {
    const range = ipaddr.parse(host).range();
    return range === 'private' || range === 'loopback' || range === 'linkLocal' || range === 'uniqueLocal' || range === 'carrierGradeNat' ? 'private' : 'public';
  }
  return 'public';
}

const IGNORED_KEYS = new Set(['name', 'apiVersion', 'kind', 'metadata', 'caBundle']);

/** Whether every leaf the body sets is a `caBundle` (or an identifying field): a CA rotation, nothing else. */
export function onlyCaBundle(event: AuditEvent): boolean {
  const b = body(event);
  if (!b) return false;
  let sawBundle = false;
  let budget = 2000;
  const walk = (v: unknown, key: string): boolean => {
    if (--budget < 0) return false;
    if (key === 'caBundle') {
      sawBundle = true;
      return true;
    }
    if (Array.isArray(v)) return v.every((x) => walk(x, key));
    if (isObj(v)) {
      for (const k in v) {
        if (k === 'metadata' || k === 'apiVersion' || k === 'kind') continue;
        if (!walk(v[k], k)) return false;
      }
      return true;
    }
    return IGNORED_KEYS.has(key);
  };
  return walk(b, '') && sawBundle;
}
