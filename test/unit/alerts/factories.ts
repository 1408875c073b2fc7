import type { AnomalyEvent, BehaviorAnomaly, EnforcementAction, EnforcementEvent } from '#shared/events/schema';

export function anomalyEvent(detail: Partial<BehaviorAnomaly> = {}): AnomalyEvent {
  return {
    version: '0',
    id: 'evt-1',
    source: 'boundwatch',
    account: '111122223333',
    time: '2025-03-01T10:06:00Z',
    region: 'eu-west-1',
    resources: [],
    'detail-type': 'Behavior Anomaly',
    detail: {
      schemaVersion: '1',
      id: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
      cluster: 'prod-eks',
      category: 'api',
      severity: 'HIGH',
      score: 82,
      principal: { type: 'ServiceAccount', name: 'system:serviceaccount:shop:checkout', namespace: 'shop', groups: [] },
      workload: {
        namespace: 'shop',
        pod: 'checkout-6d9f-abcde',
        serviceAccount: 'checkout',
        owner: { kind: 'Deployment', name: 'checkout' },
      },
      findings: [
        {
          type: 'SecretsAccessed',
          title: 'Secrets listed across namespaces',
          description: 'The service account listed secrets in 4 namespaces it never touched before.',
          mitre: ['T1552.007'],
          evidence: {
            auditIDs: ['7f3c9e2a-1b4d-4e8f-9a6c-2d5e8f1a3b7c', 'a1b2c3d4-0000-4e8f-9a6c-2d5e8f1a3b7c'],
            count: 12,
            sourceIPs: ['10.20.1.5'],
            userAgents: ['kubectl/v1.29.0'],
            baseline: 'gets configmaps in shop only, about 40 requests an hour',
          },
        },
      ],
      window: { start: '2025-03-01T10:00:00Z', end: '2025-03-01T10:05:00Z' },
      recommendedActions: ['quarantine', 'revoke-credentials'],
      ...detail,
    },
  };
}

export function enforcementEvent(detail: Partial<EnforcementAction> = {}): EnforcementEvent {
  return {
    version: '0',
    id: 'evt-2',
    source: 'boundwatch',
    account: '111122223333',
    time: '2025-03-01T10:06:05Z',
    region: 'eu-west-1',
    resources: [],
    'detail-type': 'Enforcement Action',
    detail: {
      schemaVersion: '1',
      id: 'c0ffee00-1111-2222-3333-444455556666',
      anomalyId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
      cluster: 'prod-eks',
      action: 'quarantine',
      target: { kind: 'Pod', namespace: 'shop', name: 'checkout-6d9f-abcde' },
      mode: 'apply',
      outcome: 'applied',
      changes: ['NetworkPolicy shop/boundwatch-quarantine-checkout-6d9f-abcde created (deny all ingress and egress)'],
      expiresAt: '2025-03-01T11:06:05Z',
      ...detail,
    },
  };
}
