import { Match } from 'aws-cdk-lib/assertions';
import { LogMessage, MetricName } from '#shared/observability/metrics';
import { example, onlyResource, resourcesOf, synthConfig, type Synth } from './support';

type Alarm = { AlarmName: string; MetricName: string; Namespace: string; AlarmActions: unknown[]; Dimensions?: Array<{ Name: string; Value: unknown }> };

describe('alarms and dashboard', () => {
  let s: Synth;
  let alarms: Alarm[];
  beforeAll(() => {
    s = synthConfig(example('multi-cluster.json'));
    alarms = Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties as unknown as Alarm);
  });

  it('sends every alarm to the alerts topic', () => {
    const topic = onlyResource(s.template, 'AWS::SNS::Topic').id;
    expect(alarms.length).toBeGreaterThan(0);
    for (const a of alarms) expect([a.AlarmName, a.AlarmActions]).toEqual([a.AlarmName, [{ Ref: topic }]]);
  });

  it('watches errors and throttles of every function, and failed events that could not reach their queue', () => {
    const fns = Object.keys(resourcesOf(s.template, 'AWS::Lambda::Function'));
    for (const fn of fns) {
      const on = alarms.filter((a) => a.Namespace === 'AWS/Lambda' && JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: { Ref: fn } }]));
      expect([fn, on.map((a) => a.MetricName).sort()]).toEqual([fn, ['DestinationDeliveryFailures', 'Errors', 'Throttles']]);
    }
  });

  it('watches the depth of every dead-letter queue, and the age of the input queue', () => {
    const all = Object.keys(resourcesOf(s.template, 'AWS::SQS::Queue'));
    const input = all.filter((id) => id.includes('RuntimeFalcoQueue'));
    expect(input).toHaveLength(1);
    const age = alarms.filter((a) => a.MetricName === 'ApproximateAgeOfOldestMessage');
    expect(age.map((a) => (a.Dimensions![0]!.Value as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0])).toEqual(input);
    // The revert queue is read by the revert function: what is owed there is alarmed as RevertsPending (below).
    const queues = all.filter((id) => !input.includes(id) && !id.includes('RevertQueue'));
    const depth = alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(depth.map((a) => (a.Dimensions![0]!.Value as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]).sort()).toEqual(queues.sort());
  });

  it('watches every rule for events that could not even reach the dead-letter queue', () => {
    const rules = Object.keys(resourcesOf(s.template, 'AWS::Events::Rule'));
    const dlqFailures = alarms.filter((a) => a.MetricName === 'InvocationsFailedToBeSentToDlq');
    expect(dlqFailures).toHaveLength(rules.length);
    const enforce = dlqFailures.find((a) => a.AlarmName === 'boundwatch/prod-eks/AnomalyToEnforce/InvocationsFailedToBeSentToDlq')!;
    expect(enforce.Dimensions).toHaveLength(2);
    expect(enforce.Dimensions).toEqual(
      expect.arrayContaining([
        // Ref of a custom-bus rule is `<bus>|<rule>`: the dimension takes the part after the bar.
        { Name: 'RuleName', Value: { 'Fn::Select': [1, { 'Fn::Split': ['|', { Ref: onlyResource(s.template, 'AWS::Events::Rule', 'ClusterprodeksAnomalyToEnforce').id }] }] } },
        { Name: 'EventBusName', Value: 'boundwatch' },
      ]),
    );
    const inventory = dlqFailures.find((a) => a.AlarmName === 'boundwatch/prod-eks/InventorySchedule/InvocationsFailedToBeSentToDlq')!;
    expect(inventory.Dimensions).toEqual([
      { Name: 'RuleName', Value: { Ref: onlyResource(s.template, 'AWS::Events::Rule', 'ClusterprodeksInventorySchedule').id } },
    ]);
  });

  it('builds a dashboard from the metric names the functions emit, and the anomaly log line', () => {
    const dashboard = onlyResource(s.template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);

    expect(JSON.stringify(dashboard.Properties.DashboardName)).toContain('boundwatch-');
    for (const name of [MetricName.auditEventsIngested, MetricName.auditEventsRejected, MetricName.anomaliesDetected, MetricName.enforcementActions, MetricName.flowRecordsIngested]) {
      expect(body).toContain(`SELECT SUM(${name}) FROM \\\\\\"boundwatch\\\\\\"`);
    }
    expect(body).toContain('GROUP BY severity');
    expect(body).toContain('GROUP BY action, outcome');
    expect(body).toContain(`filter message = \\\\\\"${LogMessage.anomalyDetected}\\\\\\"`);
    expect(body).toContain('stats count(*) as anomalies by principal, severity, cluster');
    // The Logs Insights widgets read the ingest functions' log groups.
    const ingestLogs = Object.keys(resourcesOf(s.template, 'AWS::Logs::LogGroup')).filter((id) => /Ingest(Audit|Flows)Logs/.test(id));
    expect(ingestLogs).toHaveLength(4);
    for (const id of ingestLogs) expect(body).toContain(`"Ref":"${id}"`);
  });

  it('shows every alarm in an alarm status widget', () => {
    const body = JSON.stringify(onlyResource(s.template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);
    const alarmIds = Object.keys(resourcesOf(s.template, 'AWS::CloudWatch::Alarm'));
    for (const id of alarmIds) expect(body).toContain(`"${id}","Arn"`);
  });

  it('alarms while a revert is owed: RevertsPending from each cluster\'s enforce sweep, raised until a sweep counts 0', () => {
    const pending = Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties as unknown as Alarm & Record<string, unknown>)
      .filter((a) => a.MetricName === MetricName.revertsPending);
    expect(pending.map((a) => a.AlarmName).sort()).toEqual(['boundwatch/batch_eks/enforce/RevertsPending', 'boundwatch/prod-eks/enforce/RevertsPending', 'boundwatch/staging-eks/enforce/RevertsPending']);
    for (const a of pending) {
      const cluster = a.AlarmName.split('/')[1];
      expect(a).toMatchObject({ Namespace: 'boundwatch', Statistic: 'Maximum', Period: 600, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'ignore' });
      // Exactly the dimensions enforce emits it with (Powertools: service; createMetrics: cluster).
      expect([...a.Dimensions!].sort((x, y) => x.Name.localeCompare(y.Name))).toEqual([
        { Name: 'cluster', Value: cluster },
        { Name: 'service', Value: 'enforce' },
      ]);
    }
  });

  it('treats missing data as fine, so quiet clusters do not page (RevertsPending keeps its state between sweeps instead)', () => {
    for (const [id, a] of Object.entries(resourcesOf(s.template, 'AWS::CloudWatch::Alarm'))) {
      const p = a.Properties as Record<string, unknown>;
      expect([id, p.TreatMissingData, p.ComparisonOperator]).toEqual([id, p.MetricName === MetricName.revertsPending ? 'ignore' : 'notBreaching', 'GreaterThanOrEqualToThreshold']);
    }
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', Match.objectLike({ MetricName: 'Errors', Threshold: 1, Statistic: 'Sum', Period: 300 }));
  });
});
