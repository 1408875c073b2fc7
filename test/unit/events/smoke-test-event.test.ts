/**
 * infra/aws/smoke-test-event.json is what the README tells a new user to put on the bus after
 * deploying (`aws events put-events --entries file://...`) to see the paging path work. It must
 * stay a valid Behavior Anomaly, page with the default thresholds, and never reach enforce.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { matchesPattern } from '#infra/local/event-pattern';
import { parseAlertEvent } from '#shared/alerts/publish';
import { formatAlert } from '#shared/alerts/format';
import { parseConfig } from '#shared/config';
import { boundwatchRules } from '#shared/events/rules';
import { DetailType } from '#shared/events/schema';

const ROOT = path.resolve(__dirname, '../../..');
const entries = JSON.parse(readFileSync(path.join(ROOT, 'infra/aws/smoke-test-event.json'), 'utf8')) as Array<Record<string, string>>;

// The event EventBridge delivers for the entry, as PutEvents builds it.
const delivered = entries.map((e) => ({
  version: '0', id: 'e-1', source: e.Source, account: '111122223333', time: '2026-01-01T00:02:00Z', region: 'eu-west-1',
  resources: [], 'detail-type': e.DetailType, detail: JSON.parse(e.Detail!) as unknown,
}));

describe('the README smoke-test event', () => {
  const defaults = parseConfig({ clusters: [{ name: 'replace-me', auditLogGroup: '/aws/eks/replace-me/cluster' }] });
  const rules = boundwatchRules({ enforcementMinSeverity: defaults.enforcement.minSeverity, alertMinSeverity: defaults.alerts.minSeverity });
  const rule = (id: string) => rules.find((r) => r.id === id)!;

  it('is one Behavior Anomaly for the boundwatch bus that notify accepts and formats as a test', () => {
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ EventBusName: 'boundwatch', Source: 'boundwatch', DetailType: DetailType.anomaly });
    const parsed = parseAlertEvent(delivered[0]);
    expect(parsed['detail-type']).toBe(DetailType.anomaly);
    const alert = formatAlert(parsed);
    expect(alert.subject).toBe('[boundwatch] MEDIUM SmokeTest by boundwatch-smoke-test in replace-me');
    expect(alert.message).toContain('not a real anomaly');
    expect(alert.attributes).toMatchObject({ kind: 'anomaly', severity: 'MEDIUM', cluster: 'replace-me' });
  });

  it('pages with the default thresholds and never reaches enforce', () => {
    expect(matchesPattern(rule('AnomalyToAlerts').pattern, delivered[0])).toBe(true);
    expect(matchesPattern(rule('AnomalyToEnforce').pattern, delivered[0])).toBe(false);
  });
});
