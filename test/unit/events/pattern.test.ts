/**
 * The pattern matcher against EventBridge's documented operators. Examples come from the
 * EventBridge user guide (event patterns, null values, arrays, comparison operators /
 * content filtering) and the aws/event-ruler README where the guide is silent; each operator
 * has events that must match and events that must not.
 */
import { matchesPattern, validatePattern, type EventPattern } from '#infra/local/event-pattern';
import { boundwatchRules, RuleTarget, type RuleDefinition } from '#shared/events/rules';
import { DetailType, SEVERITIES, OUTCOMES, type Severity } from '#shared/events/schema';
import { guardDutyRule } from '#shared/runtime/guardduty';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { anomalyEvent, enforcementEvent } from './sample-events';

// The EC2 state-change event of the guide's "Amazon EventBridge event patterns" page.
const ec2 = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};
const withDetail = (detail: Record<string, unknown>) => ({ ...ec2, detail });

interface Case {
  name: string;
  pattern: EventPattern;
  matches: unknown[];
  misses: unknown[];
}

const cases: Case[] = [
  {
    name: 'exact values, AND across fields (guide: EC2 instance-termination)',
    pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } },
    matches: [ec2],
    misses: [withDetail({ state: 'running' }), { ...ec2, source: 'aws.fargate' }, { ...ec2, detail: undefined }],
  },
  {
    name: 'a value array is an OR (guide: aws.ec2 or aws.fargate)',
    pattern: { source: ['aws.ec2', 'aws.fargate'] },
    matches: [ec2, { ...ec2, source: 'aws.fargate' }],
    misses: [{ ...ec2, source: 'aws.s3' }, { ...ec2, source: 'AWS.EC2' }],
  },
  {
    name: 'fields must exist with the same nesting',
    pattern: { 'instance-id': ['i-1234567890abcdef0'] },
    matches: [{ 'instance-id': 'i-1234567890abcdef0' }],
    misses: [ec2, {}],
  },
  {
    name: 'empty string (guide: matching null values and empty strings)',
    pattern: { detail: { eventVersion: [''] } },
    matches: [{ detail: { eventVersion: '', responseElements: null } }],
    misses: [{ detail: { eventVersion: null } }, { detail: {} }],
  },
  {
    name: 'null is not the empty string',
    pattern: { detail: { responseElements: [null] } },
    matches: [{ detail: { eventVersion: '', responseElements: null } }],
    misses: [{ detail: { responseElements: '' } }, { detail: {} }, { detail: { responseElements: 'null' } }],
  },
  {
    name: 'numbers are typed and compared by value (guide: Macie risk-score)',
    pattern: { detail: { 'risk-score': [80], trigger: { risk: [8] } } },
    matches: [{ detail: { 'risk-score': 80, trigger: { risk: 8 } } }, { detail: { 'risk-score': 80.0, trigger: { risk: 8e0 } } }],
    misses: [{ detail: { 'risk-score': '80', trigger: { risk: 8 } } }, { detail: { 'risk-score': 80, trigger: { risk: 9 } } }],
  },
  {
    name: 'booleans are typed',
    pattern: { detail: { enabled: [true] } },
    matches: [{ detail: { enabled: true } }],
    misses: [{ detail: { enabled: 'true' } }, { detail: { enabled: false } }, { detail: { enabled: 1 } }],
  },
  {
    name: 'event arrays match on a non-empty intersection (guide: arrays in event patterns)',
    pattern: {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    },
    matches: [
      {
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      },
    ],
    misses: [{ resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] }, { resources: [] }],
  },
  {
    name: 'arrays of objects match within one element (event-ruler: array consistency)',
    pattern: { employees: { firstName: ['Anna'], lastName: ['Smith'] } },
    matches: [
      {
        employees: [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
      },
      { employees: [[{ firstName: 'John', lastName: 'Doe' }], [{ firstName: 'Anna', lastName: 'Smith' }]] },
    ],
    misses: [
      {
        employees: [
          { firstName: 'Anna', lastName: 'Doe' },
          { firstName: 'Peter', lastName: 'Smith' },
        ],
      },
    ],
  },
  {
    name: 'prefix (guide: time starts with 2017-10-02)',
    pattern: { time: [{ prefix: '2017-10-02' }] },
    matches: [{ time: '2017-10-02T18:43:48Z' }, { time: '2017-10-02' }],
    misses: [{ time: '2017-10-03T18:43:48Z' }, { time: 'T2017-10-02' }, { time: 20171002 }, {}],
  },
  {
    name: 'prefix with equals-ignore-case (guide: service starts with EventB)',
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    matches: [{ detail: { service: 'EventBridge' } }, { detail: { service: 'eventbridge' } }, { detail: { service: 'EVENTB' } }],
    misses: [{ detail: { service: 'SNS' } }, { detail: { service: 'Event' } }, { detail: { service: 'AmazonEventBridge' } }],
  },
  {
    name: 'suffix (guide: FileName ends with .png)',
    pattern: { FileName: [{ suffix: '.png' }] },
    matches: [{ FileName: 'image.png' }],
    misses: [{ FileName: 'image.PNG' }, { FileName: 'image.png.jpg' }, { FileName: null }],
  },
  {
    name: 'suffix with equals-ignore-case (guide: FileName ends with .png in any case)',
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    matches: [{ detail: { FileName: 'image.png' } }, { detail: { FileName: 'image.PNG' } }, { detail: { FileName: 'x.Png' } }],
    misses: [{ detail: { FileName: 'image.jpg' } }, { detail: { FileName: 'a.PNG.zip' } }],
  },
  {
    name: 'equals-ignore-case (guide: Name is alice)',
    pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
    matches: [{ Name: 'Alice' }, { Name: 'ALICE' }, { Name: 'alice' }],
    misses: [{ Name: 'Alicia' }, { Name: 'alice ' }, {}],
  },
  {
    name: 'wildcard (guide: an event bus in us-east-1, any account)',
    pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    matches: [{ EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/boundwatch' }, { EventBusArn: 'arn:aws:events:us-east-1::event-bus/' }],
    misses: [{ EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/boundwatch' }, { EventBusArn: 42 }],
  },
  {
    name: 'wildcard with an escaped star',
    pattern: { key: [{ wildcard: 'a\\*b*' }] },
    matches: [{ key: 'a*b' }, { key: 'a*bcd' }],
    misses: [{ key: 'axb' }, { key: 'ab' }, { key: 'xa*b' }],
  },
  {
    name: 'anything-but a string (guide: state is not initializing)',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    matches: [withDetail({ state: 'running' }), withDetail({ state: ['initializing', 'running'] }), withDetail({ state: 7 })],
    misses: [withDetail({ state: 'initializing' }), withDetail({ state: ['initializing'] }), withDetail({})],
  },
  {
    name: 'anything-but a number (guide: x-limit is not 123)',
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    matches: [withDetail({ 'x-limit': 124 }), withDetail({ 'x-limit': '123' })],
    misses: [withDetail({ 'x-limit': 123 }), withDetail({ 'x-limit': 123.0 })],
  },
  {
    name: 'anything-but a list of strings (guide: stopped, overloaded)',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    matches: [withDetail({ state: 'running' })],
    misses: [withDetail({ state: 'stopped' }), withDetail({ state: 'overloaded' })],
  },
  {
    name: 'anything-but a list of numbers (guide: 100, 200, 300)',
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    matches: [withDetail({ 'x-limit': 301.8 })],
    misses: [withDetail({ 'x-limit': 200 }), withDetail({ 'x-limit': 3e2 })],
  },
  {
    name: 'anything-but prefix (guide: state does not start with init)',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    matches: [withDetail({ state: 'running' }), withDetail({ state: 'INITIALIZING' }), withDetail({ state: 'reinit' })],
    misses: [withDetail({ state: 'initializing' }), withDetail({ state: 'init' })],
  },
  {
    name: 'anything-but suffix (guide: FileName does not end with .png)',
    pattern: { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    matches: [{ FileName: 'image.jpg' }, { FileName: 'image.PNG' }, { FileName: 'a.png.zip' }],
    misses: [{ FileName: 'image.png' }],
  },
  {
    name: 'anything-but equals-ignore-case (guide: state is not initializing in any case)',
    pattern: { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] },
    matches: [{ state: 'running' }],
    misses: [{ state: 'INITIALIZING' }, { state: 'Stopped' }],
  },
  {
    name: 'anything-but wildcard (guide: FilePath does not include /lib/)',
    pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    matches: [{ FilePath: '/usr/bin/env' }, { FilePath: 'lib/x' }],
    misses: [{ FilePath: '/usr/lib/libc.so' }, {}],
  },
  {
    name: 'numeric range (guide: c-count > 0 and <= 5)',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
    matches: [withDetail({ 'c-count': 5 }), withDetail({ 'c-count': 0.000001 }), withDetail({ 'c-count': [9, 3] })],
    misses: [withDetail({ 'c-count': 0 }), withDetail({ 'c-count': 5.5 }), withDetail({ 'c-count': '3' }), withDetail({})],
  },
  {
    name: 'numeric single comparisons and equality (guide: d-count < 10, x-limit = 3.018e2)',
    pattern: { detail: { 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } },
    matches: [withDetail({ 'd-count': -4, 'x-limit': 301.8 })],
    misses: [withDetail({ 'd-count': 10, 'x-limit': 301.8 }), withDetail({ 'd-count': 1, 'x-limit': 301.81 })],
  },
  {
    name: 'numeric ignores numbers outside ±5e9',
    pattern: { n: [{ numeric: ['>=', 0] }] },
    matches: [{ n: 5e9 }],
    misses: [{ n: 5.1e9 }, { n: 123456789012 }],
  },
  {
    name: 'cidr, IPv4 (guide: sourceIPAddress in 10.0.0.0/24)',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    matches: [withDetail({ sourceIPAddress: '10.0.0.0' }), withDetail({ sourceIPAddress: '10.0.0.255' })],
    misses: [withDetail({ sourceIPAddress: '10.0.1.0' }), withDetail({ sourceIPAddress: 'not-an-ip' }), withDetail({ sourceIPAddress: '2001:db8::1' })],
  },
  {
    name: 'cidr, IPv6',
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } },
    matches: [withDetail({ sourceIPAddress: '2001:db8::1' }), withDetail({ sourceIPAddress: '2001:0db8:ffff::' })],
    misses: [withDetail({ sourceIPAddress: '2001:db9::1' }), withDetail({ sourceIPAddress: '10.0.0.1' })],
  },
  {
    name: 'exists: true (event-ruler: c-count present)',
    pattern: { detail: { 'c-count': [{ exists: true }] } },
    matches: [withDetail({ 'c-count': 5 }), withDetail({ 'c-count': null }), withDetail({ 'c-count': [1] })],
    misses: [withDetail({}), withDetail({ 'c-count': { c1: 100 } }), withDetail({ 'c-count': [] })],
  },
  {
    name: 'exists: false matches absent fields and non-leaf nodes (guide: c-count)',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    matches: [withDetail({ state: ['initializing', 'running'] }), withDetail({ state: 'running', 'c-count': { c1: 100 } }), { source: 'x' }],
    misses: [withDetail({ 'c-count': 5 }), withDetail({ 'c-count': null })],
  },
  {
    name: '$or across fields (guide: metricName or namespace)',
    pattern: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] },
    matches: [
      { source: 'aws.cloudwatch', metricName: 'CPUUtilization' },
      { source: 'aws.cloudwatch', namespace: 'AWS/ES' },
    ],
    misses: [{ source: 'aws.cloudwatch', metricName: 'WriteLatency', namespace: 'AWS/S3' }, { source: 'aws.ec2', metricName: 'CPUUtilization' }],
  },
  {
    name: '$or nested in detail, with an AND inside a branch',
    pattern: { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }], state: ['running'] }] } },
    matches: [withDetail({ 'c-count': 3 }), withDetail({ 'd-count': 1, state: 'running' })],
    misses: [withDetail({ 'd-count': 1, state: 'stopped' }), withDetail({ 'c-count': 9 })],
  },
  {
    name: 'several operators in one pattern (guide: complex example)',
    pattern: {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    },
    matches: [
      {
        time: '2017-10-02T16:24:49Z',
        detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33', state: 'running' },
      },
    ],
    misses: [
      {
        time: '2017-10-02T16:24:49Z',
        detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 300, 'source-ip': '10.0.0.33', state: 'running' },
      },
    ],
  },
];

describe.each(cases)('$name', ({ pattern, matches, misses }) => {
  it('is a valid pattern', () => {
    expect(validatePattern(pattern)).toEqual([]);
  });
  it.each(matches)('matches %j', (event) => {
    expect(matchesPattern(pattern, event)).toBe(true);
  });
  it.each(misses)('does not match %j', (event) => {
    expect(matchesPattern(pattern, event)).toBe(false);
  });
});

describe('validatePattern', () => {
  it.each<[string, unknown, RegExp]>([
    ['a non-object pattern', ['source'], /must be a JSON object/],
    ['an empty pattern', {}, /empty objects are not allowed/],
    ['a bare value', { source: 'aws.ec2' }, /source: must be an object or an array/],
    ['an empty value array', { source: [] }, /source: empty arrays are not allowed/],
    ['a nested value array', { source: [['a']] }, /source\[0\]: match value must be/],
    ['an unknown operator', { source: [{ contains: 'x' }] }, /unknown operator "contains"/],
    ['two keys in one operator', { n: [{ prefix: 'a', suffix: 'b' }] }, /exactly one key/],
    ['a numeric prefix', { s: [{ prefix: 1 }] }, /prefix: must be a string/],
    ['a bad numeric comparison', { n: [{ numeric: ['!=', 1] }] }, /unknown comparison "!="/],
    ['an inverted numeric range', { n: [{ numeric: ['>', 5, '<', 1] }] }, /lower bound must be below/],
    ['a numeric range starting with <', { n: [{ numeric: ['<', 1, '>', 5] }] }, /must start with ">" or ">="/],
    ['a numeric operand out of range', { n: [{ numeric: ['>', 6e9] }] }, /outside the supported range/],
    ['a mixed anything-but list', { s: [{ 'anything-but': ['a', 1] }] }, /only strings or only numbers/],
    ['an empty anything-but prefix', { s: [{ 'anything-but': { prefix: '' } }] }, /empty prefix/],
    ['an anything-but numeric', { s: [{ 'anything-but': { numeric: ['>', 1] } }] }, /one of \{ prefix/],
    ['consecutive wildcards', { s: [{ wildcard: 'a**b' }] }, /consecutive wildcard/],
    ['a bad wildcard escape', { s: [{ wildcard: 'a\\b' }] }, /backslash may only escape/],
    ['a bad cidr', { ip: [{ cidr: '10.0.0.0/33' }] }, /CIDR block/],
    ['a non-boolean exists', { s: [{ exists: 'yes' }] }, /exists: must be true or false/],
    ['a $or with one branch', { $or: [{ a: ['x'] }] }, /\$or: must be an array of at least 2 objects/],
    ['an operator name as a field inside $or', { $or: [{ prefix: ['x'] }, { a: ['y'] }] }, /"prefix" is an operator/],
  ])('reports %s', (_name, pattern, problem) => {
    const problems = validatePattern(pattern);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  it('reports every problem, each with its path', () => {
    expect(validatePattern({ detail: { a: [], b: [{ exists: 1 }] } })).toEqual([
      'detail.a: empty arrays are not allowed',
      'detail.b[0].exists: must be true or false',
    ]);
  });
});

describe('the boundwatch rules (shared/events/rules.ts) against boundwatch events', () => {
  const rules = boundwatchRules({ enforcementMinSeverity: 'HIGH', alertMinSeverity: 'MEDIUM' });
  const targetsFor = (event: unknown, rs: RuleDefinition[] = rules) =>
    rs.filter((r) => matchesPattern(r.pattern, event)).map((r) => `${r.id}->${r.target}`);

  it('are valid EventBridge patterns', () => {
    for (const rule of rules) expect(validatePattern(rule.pattern)).toEqual([]);
  });

  it.each<[Severity, string[]]>([
    ['LOW', ['AnomalyToSequences->runtime']],
    ['MEDIUM', ['AnomalyToAlerts->alerts', 'AnomalyToSequences->runtime']],
    ['HIGH', ['AnomalyToEnforce->enforce', 'AnomalyToAlerts->alerts', 'AnomalyToSequences->runtime']],
    ['CRITICAL', ['AnomalyToEnforce->enforce', 'AnomalyToAlerts->alerts', 'AnomalyToSequences->runtime']],
  ])('route a %s Behavior Anomaly to %j', (severity, expected) => {
    expect(targetsFor(anomalyEvent(severity))).toEqual(expected);
  });

  // A sequence is answered and paged like an anomaly, and never fed back as a signal (no loop).
  it.each<[Severity, string[]]>([
    ['LOW', []],
    ['MEDIUM', ['SequenceToAlerts->alerts']],
    ['HIGH', ['SequenceToEnforce->enforce', 'SequenceToAlerts->alerts']],
    ['CRITICAL', ['SequenceToEnforce->enforce', 'SequenceToAlerts->alerts']],
  ])('route a %s Attack Sequence to %j', (severity, expected) => {
    expect(targetsFor({ ...anomalyEvent(severity), 'detail-type': DetailType.sequence })).toEqual(expected);
  });

  it.each(OUTCOMES.map((o) => [o, ['applied', 'failed', 'reverted'].includes(o) ? ['EnforcementToAlerts->alerts'] : []] as const))(
    'route an Enforcement Action with outcome %s to %j',
    (outcome, expected) => {
      expect(targetsFor(enforcementEvent(outcome))).toEqual(expected);
    },
  );

  it('do not page a notify-only action: its anomaly already paged', () => {
    expect(targetsFor(enforcementEvent('applied', { action: 'notify' }))).toEqual([]);
    expect(targetsFor(enforcementEvent('applied', { action: 'quarantine' }))).toEqual(['EnforcementToAlerts->alerts']);
  });

  it.each([
    ['skipped', 'HIGH', ['EnforcementNotTakenToAlerts->alerts']],
    ['skipped', 'CRITICAL', ['EnforcementNotTakenToAlerts->alerts']],
    ['skipped', 'MEDIUM', []],
    ['skipped', undefined, []],
    ['planned', 'CRITICAL', []],
  ] as const)('page an action %s for a %s anomaly: %j', (outcome, severity, expected) => {
    expect(targetsFor(enforcementEvent(outcome, { action: 'quarantine', reason: 'held: rail replica floor: …', ...(severity ? { severity } : {}) }))).toEqual(expected);
  });

  it('page a tripped circuit breaker whatever the severity, once: an open breaker pages only through severity', () => {
    const tripped = enforcementEvent('skipped', { action: 'quarantine', severity: 'MEDIUM', reason: 'held: circuit breaker tripped: 20 changing actions in 15 min' });
    expect(targetsFor(tripped)).toEqual(['EnforcementNotTakenToAlerts->alerts']);
    expect(targetsFor(enforcementEvent('skipped', { action: 'quarantine', severity: 'MEDIUM', reason: 'held: circuit breaker open: 20 changing actions in 15 min' }))).toEqual([]);
    // A notify action that did nothing does not page: its anomaly already did.
    expect(targetsFor(enforcementEvent('skipped', { action: 'notify', severity: 'CRITICAL' }))).toEqual([]);
  });

  it('follow the configured thresholds', () => {
    const strict = boundwatchRules({ enforcementMinSeverity: 'CRITICAL', alertMinSeverity: 'HIGH' });
    const routed = SEVERITIES.map((s) => targetsFor(anomalyEvent(s), strict).map((t) => t.split('->')[1]));
    expect(routed).toEqual([[RuleTarget.runtime], [RuleTarget.runtime], [RuleTarget.alerts, RuleTarget.runtime], [RuleTarget.enforce, RuleTarget.alerts, RuleTarget.runtime]]);
  });

  it('ignore events from other sources and other detail-types', () => {
    expect(targetsFor({ ...anomalyEvent('CRITICAL'), source: 'evil.source' })).toEqual([]);
    expect(targetsFor({ ...anomalyEvent('CRITICAL'), 'detail-type': 'Enforcement Action' })).toEqual([]);
    expect(targetsFor({ ...anomalyEvent('CRITICAL'), source: 'aws.guardduty', 'detail-type': DetailType.sequence })).toEqual([]);
    expect(targetsFor({ ...enforcementEvent('applied'), 'detail-type': 'Behavior Anomaly' })).toEqual([]);
  });
});

describe('the GuardDuty rule (default bus) against GuardDuty findings', () => {
  const rule = guardDutyRule();
  const finding = (name: string) => JSON.parse(readFileSync(join(__dirname, '../../fixtures/runtime', name), 'utf8')) as { detail: { type: string } };
  const withType = (type: string) => {
    const e = finding('guardduty-runtime-reverse-shell.json');
    return { ...e, detail: { ...e.detail, type } };
  };

  it('is a valid pattern', () => {
    expect(validatePattern(rule.pattern)).toEqual([]);
  });

  it.each(['guardduty-runtime-reverse-shell.json', 'guardduty-audit-malicious-ip.json', 'guardduty-attack-sequence.json'])('forwards %s', (name) => {
    expect(matchesPattern(rule.pattern, finding(name))).toBe(true);
  });

  it('forwards the EKS audit-log and runtime families by name, and nothing else', () => {
    expect(matchesPattern(rule.pattern, finding('guardduty-ec2-finding.json'))).toBe(false);
    expect(matchesPattern(rule.pattern, withType('PrivilegeEscalation:Kubernetes/PrivilegedContainer'))).toBe(true);
    expect(matchesPattern(rule.pattern, withType('DefenseEvasion:Runtime/ProcessInjection.Proc'))).toBe(true);
    expect(matchesPattern(rule.pattern, withType('Recon:EC2/Portscan'))).toBe(false);
    expect(matchesPattern(rule.pattern, withType('AttackSequence:S3/CompromisedData'))).toBe(false);
    // The family must follow the colon: a type merely mentioning it is not one.
    expect(matchesPattern(rule.pattern, withType('Recon:EC2/Kubernetes/Probe'))).toBe(false);
    expect(matchesPattern(rule.pattern, { ...finding('guardduty-runtime-reverse-shell.json'), source: 'boundwatch' })).toBe(false);
  });
});
