/** The enforce and revert entries: configuration read once from the environment, input validated at the edge. */
import * as enforce from '#functions/enforce/handler';
import * as revert from '#functions/revert/handler';
import { MAX_REVERT_ATTEMPTS, revertRetryDelayMs } from '#shared/enforce/revert';
import { ConfigError, ValidationError } from '#shared/errors';
import { Logger } from '@aws-lambda-powertools/logger';
import { createMetrics } from '#shared/observability/powertools';

const config = JSON.stringify({ cluster: { name: 'prod-eks', auditLogGroup: '/aws/eks/prod-eks/cluster', enforcement: 'apply' } });
const base = { TABLE_NAME: 't', EVENT_BUS_NAME: 'boundwatch', BOUNDWATCH_CONFIG: config, AWS_REGION: 'us-east-1' };
const scheduler = { SCHEDULER_GROUP_NAME: 'boundwatch-prod-eks', SCHEDULER_ROLE_ARN: 'arn:aws:iam::1:role/s', REVERT_TARGET_ARN: 'arn:aws:sqs:us-east-1:1:revert' };

describe('enforce depsFromEnv', () => {
  it('apply needs the revert schedule settings: no action without a guaranteed revert', () => {
    expect(() => enforce.depsFromEnv(base)).toThrow(new ConfigError('Environment variable SCHEDULER_GROUP_NAME is required'));
    const deps = enforce.depsFromEnv({ ...base, ...scheduler });
    expect(deps.mode).toBe('apply');
    expect(deps.scheduler?.description).toBe('EventBridge Scheduler group boundwatch-prod-eks');
    expect(deps.kube).toBeDefined();
    expect(deps.iam).toBeDefined();
    expect(deps.access).toBeDefined();
  });

  it('dry-run builds no scheduler; off touches nothing; ENFORCEMENT_MODE overrides the cluster setting', () => {
    expect(enforce.depsFromEnv({ ...base, ENFORCEMENT_MODE: 'dry-run' }).scheduler).toBeUndefined();
    const off = enforce.depsFromEnv({ ...base, ENFORCEMENT_MODE: 'off' });
    expect([off.mode, off.kube, off.iam, off.scheduler]).toEqual(['off', undefined, undefined, undefined]);
    expect(() => enforce.depsFromEnv({ ...base, ENFORCEMENT_MODE: 'yes' })).toThrow(/must be off, dry-run or apply/);
  });

  it('the local runtime replaces the AWS parts (no credentials are looked for)', () => {
    const deps = enforce.depsFromEnv({ ...base, ...scheduler }, { kube: undefined, iam: undefined, access: undefined });
    expect([deps.kube, deps.iam, deps.access]).toEqual([undefined, undefined, undefined]);
  });

  it('rejects events that are not Behavior Anomalies', () => {
    expect(() => enforce.parseAnomalyEvent({ 'detail-type': 'Other' })).toThrow(ValidationError);
  });
});

describe('revert handler input', () => {
  it.each([[{}], [{ actionId: 'nope' }], [{ actionId: '00000000-0000-4000-8000-000000000000', trigger: 'later' }]])('refuses %j', async (event) => {
    const deps = revert.depsFromEnv(base, { kube: undefined, iam: undefined, access: undefined, scheduler: undefined });
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    const h = revert.makeHandler(deps, { logger: new Logger({ logLevel: 'SILENT' }), metrics: createMetrics('revert', { cluster: 'prod-eks' }) });
    await expect(h(event)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('revert retries', () => {
  it('wait 2 minutes after the first failure, doubling to an hour, for about 7 hours in all', () => {
    const waits = Array.from({ length: MAX_REVERT_ATTEMPTS - 1 }, (_, i) => revertRetryDelayMs(i + 1) / 60_000);
    expect(waits).toEqual([2, 4, 8, 16, 32, 60, 60, 60, 60, 60, 60]);
    const hours = waits.reduce((a, b) => a + b, 0) / 60;
    expect(hours).toBeGreaterThan(6);
    expect(hours).toBeLessThan(8);
  });

  it('tells a revert queue delivery from a direct invocation', () => {
    expect(revert.isQueueEvent({ Records: [{ eventSource: 'aws:sqs', body: '{}' }] })).toBe(true);
    expect(revert.isQueueEvent({ actionId: '00000000-0000-4000-8000-000000000000' })).toBe(false);
    expect(revert.isQueueEvent({ Records: [] })).toBe(false);
    expect(revert.isQueueEvent({ Records: [{ eventSource: 'aws:kinesis' }] })).toBe(false);
  });
});
