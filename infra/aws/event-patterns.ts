/**
 * The EventBridge patterns of shared/events/rules.ts, in the shape aws-events wants. The shared
 * objects stay the single definition: this only renames keys, and refuses keys it does not know
 * rather than dropping them.
 */
import type { EventPattern as CdkEventPattern } from 'aws-cdk-lib/aws-events';
import type { EventPattern } from '#shared/events/rules';

const KEYS: Record<string, keyof CdkEventPattern> = {
  version: 'version',
  id: 'id',
  'detail-type': 'detailType',
  source: 'source',
  account: 'account',
  time: 'time',
  region: 'region',
  resources: 'resources',
  detail: 'detail',
};

export function toCdkEventPattern(pattern: EventPattern): CdkEventPattern {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) {
    const cdkKey = KEYS[key];
    if (!cdkKey) throw new Error(`event pattern key "${key}" has no aws-events equivalent`);
    out[cdkKey] = value;
  }
  return out;
}

/** The same pattern, narrowed to one cluster's events (`detail.cluster`). */
export function forCluster(pattern: EventPattern, cluster: string): EventPattern {
  const detail = (pattern.detail ?? {}) as Record<string, unknown>;
  return { ...pattern, detail: { ...detail, cluster: [cluster] } };
}
