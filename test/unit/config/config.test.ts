import { parseConfig } from '#shared/config';
import { DEFAULT_NETWORK_CONFIG } from '#shared/flows/config';

const base = { clusters: [{ name: 'prod-eks', auditLogGroup: '/aws/eks/prod-eks/cluster' }] };

describe('parseConfig', () => {
  it('fills every default of the configuration (README.md#2-configure)', () => {
    const c = parseConfig(base);
    expect(c.clusters[0]!.enforcement).toBe('dry-run');
    expect(c.alerts).toEqual({ emails: [], httpsEndpoints: [], minSeverity: 'MEDIUM' });
    expect(c.enforcement).toMatchObject({ minSeverity: 'HIGH', ttlMinutes: 60, maxActionsPerHour: 10, protectedNamespaces: ['kube-system'] });
    expect(c.highVolume).toBe(false);
    expect(c.detection.learningDays).toBe(7);
    expect(c.detection.network).toEqual(DEFAULT_NETWORK_CONFIG);
  });

  it('accepts the flow settings under detection.network', () => {
    const c = parseConfig({ ...base, detection: { network: { learningHours: 48, vpcCidrs: ['10.20.0.0/16'] } } });
    expect(c.detection.network).toMatchObject({ learningHours: 48, vpcCidrs: ['10.20.0.0/16'] });
  });

  it.each([
    [{ ...base, clusters: [{ ...base.clusters[0], enforcement: 'always' }] }, /clusters\.0\.enforcement/],
    [{ ...base, detection: { learningDay: 3 } }, /detection/],
    [{ ...base, detection: { network: { learningHours: -1 } } }, /detection\.network\.learningHours/],
    [{ ...base, alerts: { emails: ['not-an-email'] } }, /alerts\.emails\.0/],
    [{ clusters: [] }, /clusters/],
    [{ clusters: [base.clusters[0], base.clusters[0]] }, /duplicate cluster name "prod-eks"/],
  ])('names the invalid field (%#)', (raw, message) => {
    expect(() => parseConfig(raw, 'prod.json')).toThrow(message);
  });
});
