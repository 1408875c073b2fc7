/**
 * Budgets of changing actions and the circuit breaker, counted on event time (the engine's
 * clock, which a replay drives), and the queue of held actions.
 *
 * - per target (a pod, a ServiceAccount, a role): at most `perTarget.max` changing actions in
 *   a window, so one noisy workload cannot be acted on again and again;
 * - per principal: at most `perPrincipal.max`, so one identity's anomalies cannot fan out;
 * - the hourly cluster budget (`maxActionsPerHour`, store.ts);
 * - the breaker: at most `breaker.max` changing actions in the cluster per window. The action
 *   that finds it full trips it (announced as `held: circuit breaker tripped`, which pages);
 *   every later one in the window is held too.
 *
 * A held action is recorded as `skipped` with a reason starting `held:`, and queued here for
 * `queueHours`; it is re-evaluated from `retryAt` on (sweepHeld in engine.ts) and, once the
 * queue time is over, announced as not acted on. Nothing held is dropped silently.
 *
 * Windows are fixed (aligned to the epoch). An action held by one budget gives back what it
 * took from the others, so a held action retried many times uses nothing until it acts.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type UpdateItemCommandInput,
  type UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { ActionKind, BehaviorAnomaly } from '../events/schema';
import { queryAll } from '../clients/dynamo';
import { KeyPrefix } from '../store/table';
import type { BudgetsConfig } from './config';
import { encodeHeldAction, parseHeldAction, UnreadableHeldActionError } from './record-schema';
import type { RecordMode } from './store';
import type { Target } from './types';

export const BUDGET_SK = 'BUDGET';

/** An action held back and waiting to be re-evaluated. */
export interface HeldAction {
  cluster: string;
  mode: RecordMode;
  actionId: string;
  kind: ActionKind;
  /** The anomaly, as it was received: re-evaluation plans it again against the state then. */
  anomaly: BehaviorAnomaly;
  reason: string;
  /** Re-evaluated from this time on (event time). */
  retryAt: string;
  /** After this, it is announced as not acted on and leaves the queue. */
  until: string;
}

export interface BudgetStore {
  /** Takes one from the counter `scope` for the window holding `now`; false when it is spent. */
  take(cluster: string, mode: RecordMode, scope: string, now: Date, windowMinutes: number, max: number): Promise<{ allowed: boolean; count: number; first: boolean }>;
  /** Gives back one taken from `scope` in the window holding `now` (a later budget refused the action). */
  giveBack(cluster: string, mode: RecordMode, scope: string, now: Date, windowMinutes: number): Promise<void>;
  enqueue(h: HeldAction): Promise<void>;
  /** Held actions of the cluster whose `retryAt` has come, oldest first, at most `limit`. */
  due(cluster: string, mode: RecordMode, now: Date, limit: number): Promise<HeldAction[]>;
  remove(cluster: string, mode: RecordMode, actionId: string): Promise<void>;
}

const s = (v: string): AttributeValue => ({ S: v });
const n = (v: number): AttributeValue => ({ N: String(v) });

function windowStart(now: Date, minutes: number): number {
  const ms = minutes * 60_000;
  return Math.floor(now.getTime() / ms) * ms;
}

export const heldPk = (cluster: string, mode: RecordMode): string => `${KeyPrefix.held}#${cluster}#${mode}`;

function budgetPk(cluster: string, mode: RecordMode, scope: string, start: number): string {
  return `${KeyPrefix.budget}#${cluster}#${mode}#${scope}#${new Date(start).toISOString()}`;
}

export interface DynamoBudgetsOptions {
  /** Told of each held record that does not parse: it is not re-evaluated (see `due`). */
  onUnreadable?: (err: UnreadableHeldActionError) => void;
}

export function dynamoBudgets(client: DynamoDBClient, tableName: string, opts: DynamoBudgetsOptions = {}): BudgetStore {
  /** A conditional update of a counter item; undefined when its condition refused it. */
  const update = async (pk: string, input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>): Promise<UpdateItemCommandOutput | undefined> => {
    try {
      return await client.send(new UpdateItemCommand({ TableName: tableName, Key: { pk: s(pk), sk: s(BUDGET_SK) }, ...input }));
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  };
  return {
    async giveBack(cluster, mode, scope, now, windowMinutes) {
      const pk = budgetPk(cluster, mode, scope, windowStart(now, windowMinutes));
      // Nothing to give back when the counter is already at zero (its window was reset).
      await update(pk, { UpdateExpression: 'ADD #c :minus', ConditionExpression: '#c > :zero', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':minus': n(-1), ':zero': n(0) } });
    },
    async take(cluster, mode, scope, now, windowMinutes, max) {
      if (max <= 0) return { allowed: false, count: 0, first: false };
      const start = windowStart(now, windowMinutes);
      const pk = budgetPk(cluster, mode, scope, start);
      const ttl = Math.floor((start + windowMinutes * 60_000) / 1000) + 24 * 3600;
      const out = await update(pk, {
        UpdateExpression: 'ADD #c :one SET #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(#c) OR #c < :max',
        ExpressionAttributeNames: { '#c': 'count', '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':one': n(1), ':max': n(max), ':ttl': n(ttl) },
        ReturnValues: 'UPDATED_NEW',
      });
      if (out) return { allowed: true, count: Number(out.Attributes?.count?.N ?? 1), first: false };
      // Spent. The first refusal in the window marks it (the breaker pages once per trip).
      const marked = await update(pk, { UpdateExpression: 'SET #r = :t', ConditionExpression: 'attribute_not_exists(#r)', ExpressionAttributeNames: { '#r': 'refusedAt' }, ExpressionAttributeValues: { ':t': s(now.toISOString()) } });
      return { allowed: false, count: max, first: marked !== undefined };
    },
    async enqueue(h) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { pk: s(heldPk(h.cluster, h.mode)), sk: s(h.actionId), retryAt: s(h.retryAt), body: s(encodeHeldAction(h)), ttl: n(Math.floor(Date.parse(h.until) / 1000) + 7 * 24 * 3600) },
        }),
      );
    },
    async due(cluster, mode, now, limit) {
      const out: HeldAction[] = [];
      const items = await queryAll(client, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'retryAt <= :now',
        ExpressionAttributeValues: { ':pk': s(heldPk(cluster, mode)), ':now': s(now.toISOString()) },
        ConsistentRead: true,
      });
      for (const item of items) {
        // A record that does not parse is reported by its action id and skipped: the others
        // are still re-evaluated. It stays for inspection until its TTL.
        try {
          out.push(parseHeldAction(item.sk?.S ?? '?', item.body?.S));
        } catch (err) {
          if (!(err instanceof UnreadableHeldActionError)) throw err;
          opts.onUnreadable?.(err);
        }
      }
      return out.sort((a, b) => a.retryAt.localeCompare(b.retryAt)).slice(0, limit);
    },
    async remove(cluster, mode, actionId) {
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: s(heldPk(cluster, mode)), sk: s(actionId) } }));
    },
  };
}

/** Counter scope of a target: kind, namespace and name (or ARN). */
export function targetScope(t: Target): string {
  return `target:${t.kind}:${t.namespace ?? ''}:${t.arn ?? t.name}`;
}

export function principalScope(p: BehaviorAnomaly['principal']): string {
  return `principal:${p.arn ?? p.name}`;
}

export interface BudgetInput {
  store: BudgetStore;
  config: BudgetsConfig;
  cluster: string;
  mode: RecordMode;
  now: Date;
  target: Target;
  principal: BehaviorAnomaly['principal'];
  /** The cluster's hourly budget (store.consumeRate), taken last (it cannot be given back). */
  hourly: () => Promise<{ allowed: boolean; reason: string }>;
}

/**
 * Takes one action from every budget, in order target → principal → breaker → hour; when one
 * is spent, those taken before it are given back (a held action uses no budget), and the
 * reason says which.
 */
export async function takeBudgets(b: BudgetInput): Promise<{ held?: string; trippedBreaker?: boolean }> {
  const { store, config, cluster, mode, now } = b;
  const taken: Array<[string, number]> = [];
  const giveBack = async () => {
    for (const [scope, minutes] of taken) await store.giveBack(cluster, mode, scope, now, minutes);
  };
  const targetScopeKey = targetScope(b.target);
  const target = await store.take(cluster, mode, targetScopeKey, now, config.perTarget.windowMinutes, config.perTarget.max);
  if (!target.allowed) return { held: `budget per target: ${config.perTarget.max} changing actions per ${config.perTarget.windowMinutes} min on ${b.target.kind} ${b.target.namespace ? `${b.target.namespace}/` : ''}${b.target.name} reached (enforcement.budgets.perTarget)` };
  taken.push([targetScopeKey, config.perTarget.windowMinutes]);
  const principalKey = principalScope(b.principal);
  const principal = await store.take(cluster, mode, principalKey, now, config.perPrincipal.windowMinutes, config.perPrincipal.max);
  if (!principal.allowed) {
    await giveBack();
    return { held: `budget per principal: ${config.perPrincipal.max} changing actions per ${config.perPrincipal.windowMinutes} min for ${b.principal.name} reached (enforcement.budgets.perPrincipal)` };
  }
  taken.push([principalKey, config.perPrincipal.windowMinutes]);
  const breaker = await store.take(cluster, mode, 'breaker', now, config.breaker.windowMinutes, config.breaker.max);
  if (!breaker.allowed) {
    await giveBack();
    const what = `${config.breaker.max} changing actions in ${config.breaker.windowMinutes} min on cluster ${cluster} (enforcement.budgets.breaker); every changing action is held until the window ends`;
    return breaker.first ? { held: `circuit breaker tripped: ${what}`, trippedBreaker: true } : { held: `circuit breaker open: ${what}` };
  }
  taken.push(['breaker', config.breaker.windowMinutes]);
  const hourly = await b.hourly();
  if (!hourly.allowed) {
    await giveBack();
    return { held: hourly.reason };
  }
  return {};
}
