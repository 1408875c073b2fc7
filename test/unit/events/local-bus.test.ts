/**
 * LocalBus routing, ordering, retries and drain, in-process (no network). The HTTP path
 * (SDK -> local endpoint -> bus) is covered by test/integration/events.
 */
import { LocalBus, type BusEvent } from '#infra/local/bus';
import { ConfigError } from '#shared/errors';
import { boundwatchRules, type RuleDefinition } from '#shared/events/rules';
import { anomalyEvent, enforcementEvent } from './sample-events';

// The bus's mechanics, on the enforce and alert rules (every rule's routing: pattern.test.ts).
const rules = boundwatchRules({ enforcementMinSeverity: 'HIGH', alertMinSeverity: 'MEDIUM' }).filter((r) => r.target !== 'runtime');
const noWait = { sleep: async () => {} };

function recorder() {
  const seen: string[] = [];
  const handler = (label: string) => (e: BusEvent) => {
    seen.push(`${label}:${e.id}`);
  };
  return { seen, handler };
}

describe('LocalBus', () => {
  it('delivers each event to every matching rule target, in publication then rule order', async () => {
    const bus = new LocalBus({ rules, ...noWait });
    const { seen, handler } = recorder();
    bus.registerTarget('enforce', handler('enforce'));
    bus.registerTarget('alerts', handler('alerts'));

    bus.put(anomalyEvent('LOW'));
    bus.put(anomalyEvent('CRITICAL'));
    bus.put(anomalyEvent('MEDIUM'));
    bus.put(enforcementEvent('applied'));
    await bus.drain();

    expect(seen).toEqual(['enforce:anomaly-CRITICAL', 'alerts:anomaly-CRITICAL', 'alerts:anomaly-MEDIUM', 'alerts:action-applied']);
    expect(bus.events.map((e) => e.id)).toEqual(['anomaly-LOW', 'anomaly-CRITICAL', 'anomaly-MEDIUM', 'action-applied']);
    expect(bus.eventsOfType('Enforcement Action').map((e) => e.id)).toEqual(['action-applied']);
    expect(bus.failedDeliveries).toEqual([]);
  });

  it('delivers asynchronously: put() returns before any target runs', async () => {
    const bus = new LocalBus({ rules, ...noWait });
    const { seen, handler } = recorder();
    bus.registerTarget('enforce', handler('enforce'));
    bus.registerTarget('alerts', handler('alerts'));
    bus.put(anomalyEvent('HIGH'));
    expect(seen).toEqual([]);
    await bus.drain();
    expect(seen).toHaveLength(2);
  });

  it('drain() also waits for events that targets put while handling, one delivery at a time', async () => {
    const bus = new LocalBus({ rules, ...noWait });
    const order: string[] = [];
    let running = 0;
    let maxConcurrent = 0;
    bus.registerTarget('enforce', async (e) => {
      running += 1;
      maxConcurrent = Math.max(maxConcurrent, running);
      await new Promise((r) => setTimeout(r, 5));
      bus.put(enforcementEvent('applied', { anomalyId: (e.detail as { id: string }).id }));
      order.push(`enforce:${e.id}`);
      running -= 1;
    });
    bus.registerTarget('alerts', async (e) => {
      running += 1;
      maxConcurrent = Math.max(maxConcurrent, running);
      await new Promise((r) => setTimeout(r, 1));
      order.push(`alerts:${e.id}`);
      running -= 1;
    });

    bus.put(anomalyEvent('HIGH', { id: 'a1' }));
    bus.put(anomalyEvent('CRITICAL', { id: 'a2' }));
    await bus.drain();

    expect(order).toEqual([
      'enforce:anomaly-HIGH',
      'alerts:anomaly-HIGH',
      'enforce:anomaly-CRITICAL',
      'alerts:anomaly-CRITICAL',
      'alerts:action-applied',
      'alerts:action-applied',
    ]);
    expect(bus.eventsOfType('Enforcement Action').map((e) => (e.detail as { anomalyId: string }).anomalyId)).toEqual(['a1', 'a2']);
    expect(maxConcurrent).toBe(1);
  });

  it('retries a throwing target with backoff and records the attempts', async () => {
    const delays: number[] = [];
    const bus = new LocalBus({ rules, retryDelayMs: 10, sleep: async (ms) => void delays.push(ms) });
    let calls = 0;
    bus.registerTarget('alerts', () => {
      calls += 1;
      if (calls < 3) throw new Error('SNS unavailable');
    });
    bus.registerTarget('enforce', () => {});
    bus.put(anomalyEvent('MEDIUM'));
    await bus.drain();
    expect(calls).toBe(3);
    expect(delays).toEqual([10, 20]);
    expect(bus.deliveries).toEqual([{ eventId: 'anomaly-MEDIUM', ruleId: 'AnomalyToAlerts', target: 'alerts', attempts: 3 }]);
    expect(bus.failedDeliveries).toEqual([]);
  });

  it('records a delivery that keeps failing, reports it, and goes on with the others', async () => {
    const reported: string[] = [];
    const bus = new LocalBus({ rules, maxAttempts: 2, ...noWait, onFailedDelivery: (f) => reported.push(f.eventId) });
    const { seen, handler } = recorder();
    bus.registerTarget('enforce', () => {
      throw new Error('cluster API refused');
    });
    bus.registerTarget('alerts', handler('alerts'));
    bus.put(anomalyEvent('HIGH'));
    await bus.drain();
    expect(bus.failedDeliveries).toEqual([
      { eventId: 'anomaly-HIGH', ruleId: 'AnomalyToEnforce', target: 'enforce', attempts: 2, error: 'cluster API refused' },
    ]);
    expect(reported).toEqual(['anomaly-HIGH']);
    expect(seen).toEqual(['alerts:anomaly-HIGH']);
  });

  it('records a matching rule whose target is not registered as a failed delivery', async () => {
    const bus = new LocalBus({ rules, ...noWait });
    bus.registerTarget('alerts', () => {});
    bus.put(anomalyEvent('CRITICAL'));
    await bus.drain();
    expect(bus.failedDeliveries).toEqual([
      { eventId: 'anomaly-CRITICAL', ruleId: 'AnomalyToEnforce', target: 'enforce', attempts: 0, error: 'no target registered under "enforce"' },
    ]);
  });

  it('gives each target its own copy, so the recorded event cannot be altered', async () => {
    const bus = new LocalBus({ rules, ...noWait });
    bus.registerTarget('alerts', (e) => {
      (e.detail as { severity: string }).severity = 'LOW';
    });
    bus.registerTarget('enforce', () => {});
    bus.put(anomalyEvent('MEDIUM'));
    await bus.drain();
    expect((bus.events[0]?.detail as { severity: string }).severity).toBe('MEDIUM');
  });

  it('rejects invalid patterns, duplicate rules and duplicate targets', () => {
    const bus = new LocalBus();
    const bad: RuleDefinition = { id: 'Bad', description: '', pattern: { source: 'boundwatch' }, target: 'alerts' };
    expect(() => bus.addRule(bad)).toThrow(ConfigError);
    expect(() => bus.addRule(bad)).toThrow(/Rule Bad: invalid event pattern: source: must be an object or an array/);
    bus.addRule(rules[0] as RuleDefinition);
    expect(() => bus.addRule(rules[0] as RuleDefinition)).toThrow(/already defined/);
    bus.registerTarget('alerts', () => {});
    expect(() => bus.registerTarget('alerts', () => {})).toThrow(/already registered/);
  });

  it('surfaces a failing failure reporter through drain()', async () => {
    const bus = new LocalBus({
      rules,
      maxAttempts: 1,
      ...noWait,
      onFailedDelivery: () => {
        throw new Error('stderr closed');
      },
    });
    bus.put(anomalyEvent('MEDIUM'));
    await expect(bus.drain()).rejects.toThrow('stderr closed');
    expect(bus.failedDeliveries).toHaveLength(1);
  });
});
