import { FunctionConfig, functionConfigFor, parseConfig } from '#shared/config';
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

describe('enforcement.revocableRoles and revocableAccessPolicies', () => {
  it('default to the tag boundwatch:revocable=true and the access policies people are given', () => {
    const c = parseConfig(base);
    expect(c.enforcement.revocableRoles).toEqual({ paths: [], tag: { key: 'boundwatch:revocable', value: 'true' } });
    expect(c.enforcement.revocableAccessPolicies).toEqual(['AmazonEKSClusterAdminPolicy', 'AmazonEKSAdminPolicy', 'AmazonEKSEditPolicy', 'AmazonEKSViewPolicy', 'AmazonEKSAdminViewPolicy']);
    expect(parseConfig({ ...base, enforcement: { revocableRoles: { paths: ['/ci/'], tag: null } } }).enforcement.revocableRoles).toEqual({ paths: ['/ci/'], tag: null });
  });

  it.each([
    [{ paths: ['/'] }, /revocableRoles\.paths\.0/],
    [{ paths: ['ci/'] }, /revocableRoles\.paths\.0/],
    [{ paths: ['/ci/*'] }, /revocableRoles\.paths\.0/],
    [{ paths: ['/aws-reserved/sso.amazonaws.com/'] }, /IAM refuses changes/],
    [{ tag: { key: 'boundwatch:protected', value: 'true' } }, /never changed/],
    [{ tag: { key: 'owner', value: 'a"b' } }, /revocableRoles\.tag\.value/],
  ])('refuses a scope IAM could not express or that means every role (%#)', (revocableRoles, message) => {
    expect(() => parseConfig({ ...base, enforcement: { revocableRoles } })).toThrow(message);
  });

  it('refuses an access policy that is not a name', () => {
    expect(() => parseConfig({ ...base, enforcement: { revocableAccessPolicies: ['arn:aws:eks::aws:cluster-access-policy/X'] } })).toThrow(/revocableAccessPolicies\.0/);
  });
});

describe('functionConfigFor', () => {
  it('leaves out settings equal to their defaults, and parsing restores them exactly', () => {
    const c = parseConfig({ ...base, enforcement: { ttlMinutes: 30, revocableRoles: { paths: ['/ci/'] } }, detection: { learningDays: 3 } });
    const fc = functionConfigFor(c, 'prod-eks');
    expect(Object.keys(fc.enforcement).sort()).toEqual(['revocableRoles', 'ttlMinutes']);
    expect(Object.keys(fc.detection)).toEqual(['learningDays']);
    expect(FunctionConfig.parse(JSON.parse(JSON.stringify(fc)))).toEqual({ cluster: c.clusters[0], detection: c.detection, enforcement: c.enforcement });
  });
});
