/**
 * Where the gates learn how mature the cluster and a principal are: the baselines the ingest
 * functions keep in the table (the cluster's first event, each principal's profile). Read once
 * per anomaly; a principal profile is keyed by the principal's name, which is what anomalies
 * carry. A profile that cannot be read leaves the principal "not established": the gates then
 * only notify for signature findings.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadProfiles } from '../detect/baseline-store';
import type { BehaviorAnomaly } from '../events/schema';
import type { MaturityFacts } from './gates';

export interface MaturitySource {
  maturity(anomaly: BehaviorAnomaly): Promise<MaturityFacts>;
}

export function tableMaturity(deps: { client: DynamoDBClient; tableName: string; cluster: string }): MaturitySource {
  return {
    async maturity(anomaly) {
      const { profiles, meta } = await loadProfiles(deps.client, deps.tableName, deps.cluster, [anomaly.principal.name]);
      const p = profiles.get(anomaly.principal.name)?.profile;
      return {
        ...(meta && Number.isFinite(meta.firstSeen) ? { clusterFirstSeen: meta.firstSeen } : {}),
        ...(p ? { principalFirstSeen: p.firstSeen } : {}),
      };
    },
  };
}

/** Fixed facts, for callers (tests, the CLI's previews) that already know them. */
export function staticMaturity(facts: MaturityFacts): MaturitySource {
  return { maturity: () => Promise.resolve(facts) };
}
