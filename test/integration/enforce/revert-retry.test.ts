/**
 * Reverts that always come back (#13 item 6), over the real wires: the schedule delivers to the
 * revert queue, the revert function reads it (an SQS event source batch), a failing revert
 * schedules its own next attempt with a doubling wait on the local Scheduler endpoint, the
 * enforce sweep counts what is owed as RevertsPending, and a release works while a retry is
 * pending. IAM failures are injected on the local IAM endpoint (two per call: the client's own retries).
 */
import { jest } from '@jest/globals';
import { scheduleName } from '#shared/enforce/aws';
import { quarantineToken } from '#shared/enforce/quarantine';
import { MAX_REVERT_ATTEMPTS } from '#shared/enforce/revert';
import { dynamoRevertLedger } from '#shared/enforce/revert-ledger';
import { MetricName } from '#shared/observability/metrics';
import { CLUSTER, REVERT_QUEUE_ARN, startHarness, stolenTokenAnomaly, type Harness } from './harness';

const ROLE_ARN = 'arn:aws:iam::111122223333:role/ci-deployer';
const GROUP = 'boundwatch-prod-eks';
const iamAnomaly = () =>
  stolenTokenAnomaly({
    id: 'd0000000-0000-4000-8000-000000000077',
    principal: { type: 'IAMRole', name: ROLE_ARN, arn: 'arn:aws:sts::111122223333:assumed-role/ci-deployer/gha-run', sessionName: 'gha-run', principalId: 'AROAEXAMPLECIDEPLOY01' },
    workload: undefined,
    recommendedActions: ['revoke-credentials', 'notify'],
  });

/** The values the enforce function emitted for RevertsPending since `spy` was set. */
const pending = (spy: jest.SpiedFunction<Harness['enforceMetrics']['addMetric']>) => spy.mock.calls.filter((c) => c[0] === MetricName.revertsPending).map((c) => c[2]);

describe('reverts that always come back', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  async function appliedRevocation(): Promise<{ h: Harness; id: string; policy: string }> {
    const harness = await startHarness({ aws: true, awsScheduler: true });
    harness.iam!.addRole('ci-deployer', { maxSessionDuration: 3600, tags: { 'boundwatch:revocable': 'true' } });
    const { planned } = await harness.enforce(iamAnomaly());
    const a = planned[0]!.action;
    expect(a).toMatchObject({ action: 'revoke-credentials', outcome: 'applied' });
    const policy = `boundwatch-revoke-${quarantineToken(a.id)}`;
    expect(harness.iam!.inlinePolicies('ci-deployer').has(policy)).toBe(true);
    return { h: harness, id: a.id, policy };
  }

  it('a failing revert at expiry schedules its next attempt (doubling wait), stays owed as RevertsPending, can be released meanwhile, and the late attempt finds it reverted', async () => {
    const r = await appliedRevocation();
    h = r.h;
    const first = h.awsScheduler!.get(GROUP, scheduleName(r.id))!;
    // The schedule delivers to the revert queue, not to the function.
    expect(first.Target.Arn).toBe(REVERT_QUEUE_ARN);
    expect(await dynamoRevertLedger(h.ddb, h.tableName).overdue(CLUSTER, new Date('2030-01-01T00:00:00Z'), 0)).toEqual([{ actionId: r.id, dueAt: expect.any(String) }]);

    // Expiry: the queue delivers the schedule's input; IAM fails (the deny cannot be deleted).
    h.clock.t = new Date(Date.parse(`${first.ScheduleExpression.slice(3, -1)}Z`) + 1000);
    h.iam!.failNext(2, { status: 500, code: 'ServiceFailure', message: 'IAM is having a bad day', operation: 'DeleteRolePolicy' });
    const out = await h.revertQueue([{ body: first.Target.Input! }]);
    // Handled: the next attempt is scheduled, so the message is done (no quick redelivery).
    expect(out).toEqual({ batchItemFailures: [] });
    const second = h.awsScheduler!.get(GROUP, scheduleName(r.id, 2))!;
    expect(second).toMatchObject({ Target: { Arn: REVERT_QUEUE_ARN } });
    expect(JSON.parse(second.Target.Input!)).toEqual({ actionId: r.id, cluster: CLUSTER, trigger: 'expiry', attempt: 2 });
    expect(second.ScheduleExpression).toBe(`at(${new Date(h.clock.now().getTime() + 2 * 60_000).toISOString().slice(0, 19)})`);
    expect(h.iam!.inlinePolicies('ci-deployer').has(r.policy)).toBe(true);
    const failed = h.actions().filter((a) => a.outcome === 'failed');
    expect(failed.at(-1)!.reason).toMatch(/^revert \(expiry\) failed: .*ServiceFailure.*the action stays in force until the revert is retried \(retried with a doubling wait for about 7 hours/);

    // The second attempt fails too: the third waits twice as long.
    h.clock.advance(2.5);
    h.iam!.failNext(2, { status: 500, code: 'ServiceFailure', operation: 'DeleteRolePolicy' });
    expect(await h.revertQueue([{ body: second.Target.Input! }])).toEqual({ batchItemFailures: [] });
    const third = h.awsScheduler!.get(GROUP, scheduleName(r.id, 3))!;
    expect(third.ScheduleExpression).toBe(`at(${new Date(h.clock.now().getTime() + 4 * 60_000).toISOString().slice(0, 19)})`);

    // Still owed ten minutes after expiry: the sweep says so (and keeps saying so).
    h.clock.advance(10);
    const spy = jest.spyOn(h.enforceMetrics, 'addMetric');
    await h.sweep();
    expect(pending(spy)).toEqual([1]);

    // Release while the retry is pending: it runs now, and its caller sees a failure as an error.
    h.iam!.failNext(2, { status: 500, code: 'ServiceFailure', operation: 'DeleteRolePolicy' });
    await expect(h.revert(r.id, 'release')).rejects.toThrow(/revert \(release\) failed: .*run boundwatch release again/);
    expect(h.awsScheduler!.get(GROUP, scheduleName(r.id, 4))).toBeUndefined();
    const released = await h.revert(r.id, 'release');
    expect(released.status).toBe('reverted');
    expect(h.iam!.inlinePolicies('ci-deployer').size).toBe(0);

    // The pending attempt fires later: nothing left to do, the message is done.
    h.clock.advance(5);
    expect(await h.revertQueue([{ body: third.Target.Input! }])).toEqual({ batchItemFailures: [] });
    expect(h.actions().filter((a) => a.outcome === 'reverted')).toHaveLength(1);
    await h.sweep();
    expect(pending(spy)).toEqual([1, 0]);
  });

  it('after the last attempt the message fails, so the queue redelivers it and then moves it to the dead-letter queue; the action stays owed', async () => {
    const r = await appliedRevocation();
    h = r.h;
    h.clock.advance(24 * 60);
    h.iam!.failNext(2, { status: 403, code: 'AccessDenied', operation: 'DeleteRolePolicy' });
    const out = await h.revertQueue([{ body: JSON.stringify({ actionId: r.id, cluster: CLUSTER, trigger: 'expiry', attempt: MAX_REVERT_ATTEMPTS }), receiveCount: 1 }]);
    expect(out.batchItemFailures).toHaveLength(1);
    expect(h.awsScheduler!.get(GROUP, scheduleName(r.id, MAX_REVERT_ATTEMPTS + 1))).toBeUndefined();
    const spy = jest.spyOn(h.enforceMetrics, 'addMetric');
    await h.sweep();
    expect(pending(spy)).toEqual([1]);
  });

  it('when even the next attempt cannot be scheduled, the message fails (the queue retries it); other messages of the batch are not held up', async () => {
    const r = await appliedRevocation();
    h = r.h;
    h.clock.advance(2 * 60);
    h.iam!.failNext(2, { status: 500, code: 'ServiceFailure', operation: 'DeleteRolePolicy' });
    h.awsScheduler!.failNext(1, { status: 500, code: 'InternalServerException', operation: 'CreateSchedule' });
    const out = await h.revertQueue([
      { body: JSON.stringify({ actionId: r.id, cluster: CLUSTER, trigger: 'expiry' }) },
      { body: 'not json' },
      { body: JSON.stringify({ actionId: 'd0000000-0000-4000-8000-00000000dead', cluster: CLUSTER, trigger: 'expiry' }) },
    ]);
    // The first fails (no next attempt), the second is not a revert input, the third is an unknown action: done.
    expect(out.batchItemFailures.map((f) => f.itemIdentifier.split('-').at(-1))).toEqual(['0', '1']);
    // Redelivered, with IAM back: reverted and settled.
    const again = await h.revertQueue([{ body: JSON.stringify({ actionId: r.id, cluster: CLUSTER, trigger: 'expiry' }), receiveCount: 2 }]);
    expect(again).toEqual({ batchItemFailures: [] });
    expect(h.iam!.inlinePolicies('ci-deployer').size).toBe(0);
    expect(await dynamoRevertLedger(h.ddb, h.tableName).overdue(CLUSTER, new Date('2030-01-01T00:00:00Z'), 0)).toEqual([]);
  });

  it('a schedule that never fired is pending too, once its grace is over', async () => {
    const r = await appliedRevocation();
    h = r.h;
    const spy = jest.spyOn(h.enforceMetrics, 'addMetric');
    // Not yet due (one hour TTL; the session deny lasts the role's 1 h plus 5 min): nothing pending.
    await h.sweep();
    // Due, but within the grace a revert normally needs.
    h.clock.advance(65);
    await h.sweep();
    // Nobody ran the revert: owed.
    h.clock.advance(10);
    await h.sweep();
    expect(pending(spy)).toEqual([0, 0, 1]);
  });
});
