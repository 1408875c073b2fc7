/**
 * The in-process event bus of the embedded runtime. It routes with the RuleDefinitions of
 * shared/events/rules.ts (the very patterns the CDK stack deploys) through the EventBridge
 * pattern matcher, and delivers to targets registered by name.
 *
 * Like EventBridge, delivery is asynchronous (put() returns before any target runs) and a
 * target that throws is retried, then recorded as a failed delivery. Unlike EventBridge,
 * deliveries run one at a time in publication order (per event, in rule order), so a replay
 * over the same input produces the same outputs; `drain()` waits for everything, including
 * events that targets publish while handling (an enforce target's Enforcement Actions).
 */
import { ConfigError, errorMessage } from '#shared/errors';
import { matchesPattern, validatePattern } from './event-pattern';
import type { RuleDefinition } from '#shared/events/rules';
import type { EventBridgeEvent } from '#shared/events/schema';

/** An event as a target receives it. */
export type BusEvent = EventBridgeEvent<string, unknown>;
export type TargetHandler = (event: BusEvent) => unknown;

export interface Delivery {
  eventId: string;
  ruleId: string;
  target: string;
  attempts: number;
}

export interface FailedDelivery extends Delivery {
  error: string;
}

export interface LocalBusOptions {
  name?: string;
  rules?: readonly RuleDefinition[];
  /** Attempts per delivery, the first included. Default 3. */
  maxAttempts?: number;
  /** Wait before the n-th retry: retryDelayMs * 2^(n-1). Default 10 ms. */
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called for each delivery that exhausted its attempts (e.g. to log it to stderr). */
  onFailedDelivery?: (failure: FailedDelivery) => void;
}

interface Pending {
  event: BusEvent;
  rule: RuleDefinition;
}

export class LocalBus {
  readonly name: string;
  /** Every event put on the bus, in order, whether or not a rule matched it. */
  readonly events: BusEvent[] = [];
  readonly deliveries: Delivery[] = [];
  readonly failedDeliveries: FailedDelivery[] = [];

  private readonly rules: RuleDefinition[] = [];
  private readonly targets = new Map<string, TargetHandler>();
  private readonly queue: Pending[] = [];
  private worker: Promise<void> | undefined;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onFailedDelivery: ((failure: FailedDelivery) => void) | undefined;

  constructor(opts: LocalBusOptions = {}) {
    this.name = opts.name ?? 'boundwatch';
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 3);
    this.retryDelayMs = opts.retryDelayMs ?? 10;
    this.sleep = opts.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.onFailedDelivery = opts.onFailedDelivery;
    for (const rule of opts.rules ?? []) this.addRule(rule);
  }

  /** Adds a rule; rejects an invalid pattern as PutRule would. */
  addRule(rule: RuleDefinition): void {
    const problems = validatePattern(rule.pattern);
    if (problems.length > 0) throw new ConfigError(`Rule ${rule.id}: invalid event pattern: ${problems.join('; ')}`);
    if (this.rules.some((r) => r.id === rule.id)) throw new ConfigError(`Rule ${rule.id} is already defined on bus ${this.name}`);
    this.rules.push(rule);
  }

  get ruleDefinitions(): readonly RuleDefinition[] {
    return this.rules;
  }

  registerTarget(name: string, handler: TargetHandler): void {
    if (this.targets.has(name)) throw new ConfigError(`Target ${name} is already registered on bus ${this.name}`);
    this.targets.set(name, handler);
  }

  /** Records the event and schedules a delivery per matching rule; returns before any runs. */
  put(event: BusEvent): void {
    this.events.push(event);
    for (const rule of this.rules) {
      if (matchesPattern(rule.pattern, event)) this.queue.push({ event, rule });
    }
    if (this.queue.length > 0 && !this.worker) {
      // Assigned before the loop starts, so a put() from inside a target never starts a second worker.
      this.worker = Promise.resolve()
        .then(() => this.run())
        .finally(() => {
          this.worker = undefined;
        });
    }
  }

  /** Resolves once every delivery, including those of events put meanwhile, has finished. */
  async drain(): Promise<void> {
    while (this.worker) await this.worker;
  }

  eventsOfType(detailType: string): BusEvent[] {
    return this.events.filter((e) => e['detail-type'] === detailType);
  }

  private async run(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) await this.deliver(next);
  }

  private async deliver({ event, rule }: Pending): Promise<void> {
    const base = { eventId: event.id, ruleId: rule.id, target: rule.target };
    const handler = this.targets.get(rule.target);
    if (!handler) {
      this.fail({ ...base, attempts: 0, error: `no target registered under "${rule.target}"` });
      return;
    }
    let lastError = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await this.sleep(this.retryDelayMs * 2 ** (attempt - 2));
      try {
        // A copy, as a target gets its own deserialized event: a handler cannot alter the record.
        await handler(structuredClone(event));
        this.deliveries.push({ ...base, attempts: attempt });
        return;
      } catch (err) {
        lastError = errorMessage(err);
      }
    }
    this.fail({ ...base, attempts: this.maxAttempts, error: lastError });
  }

  private fail(failure: FailedDelivery): void {
    this.failedDeliveries.push(failure);
    this.onFailedDelivery?.(failure);
  }
}
