/**
 * Schemas of what enforcement reads back from the table. An action record drives reverts and
 * resumed actions: acting on a record that was damaged (by hand, by a bug, by an older version)
 * could delete the wrong policy or restore the wrong labels, so a record that does not parse is
 * refused with a named error instead of being cast. The compile-time checks keep these schemas
 * and the types in types.ts/store.ts/budgets.ts the same concept: adding an operation or
 * undo step to one without the other fails `tsc`.
 */
import { z } from 'zod';
import { ActionKind, BehaviorAnomaly, EnforcementAction } from '../events/schema';
import { parseStoredJson } from '../store/stored-json';
import type { HeldAction } from './budgets';
import { SSO_INSTANCE_ARN, SSO_PERMISSION_SET_ARN } from './config';
import type { ActionRecord } from './store';
import { ClusterNetworkPolicySchema, NetworkPolicySchema } from '../netpol-api/schema';
import type { Operation, UndoStep } from './types';

const StringMap = z.record(z.string(), z.string());

const AccessScope = z.object({ type: z.enum(['cluster', 'namespace']), namespaces: z.array(z.string()).optional() });
const Pod = { namespace: z.string().min(1), pod: z.string().min(1), uid: z.string().optional() };

export const OperationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('apply-policy'), policy: NetworkPolicySchema }),
  z.object({ op: z.literal('quarantine-pod'), ...Pod, token: z.string().min(1), policy: NetworkPolicySchema, remove: StringMap.optional() }),
  z.object({ op: z.literal('isolate-pod'), ...Pod, token: z.string().min(1), clusterPolicy: ClusterNetworkPolicySchema, policy: NetworkPolicySchema }),
  z.object({ op: z.literal('delete-pod'), ...Pod, why: z.string() }),
  z.object({ op: z.literal('evict-pod'), ...Pod, why: z.string() }),
  z.object({ op: z.literal('delete-secret'), namespace: z.string().min(1), name: z.string().min(1), uid: z.string().optional() }),
  z.object({ op: z.literal('put-role-policy'), roleName: z.string().min(1), policyName: z.string().min(1), document: z.string() }),
  z.object({ op: z.literal('disassociate-access-policy'), clusterName: z.string(), principalArn: z.string(), policyArn: z.string(), accessScope: AccessScope }),
  z.object({
    op: z.literal('deny-session-in-permission-set'),
    instanceArn: z.string().regex(SSO_INSTANCE_ARN),
    permissionSetName: z.string().min(1),
    permissionSetArn: z.string().regex(SSO_PERMISSION_SET_ARN).optional(),
    accountId: z.string().regex(/^\d{12}$/),
    sid: z.string().regex(/^[A-Za-z0-9]+$/),
    statement: z.string(),
  }),
]);

export const UndoStepSchema = z.discriminatedUnion('undo', [
  z.object({ undo: z.literal('restore-pod-labels'), ...Pod, token: z.string().min(1), labels: StringMap }),
  z.object({ undo: z.literal('delete-policy'), namespace: z.string().min(1), name: z.string().min(1) }),
  z.object({ undo: z.literal('delete-cluster-policy'), name: z.string().min(1) }),
  z.object({ undo: z.literal('delete-role-policy'), roleName: z.string().min(1), policyName: z.string().min(1) }),
  z.object({ undo: z.literal('associate-access-policy'), clusterName: z.string(), principalArn: z.string(), policyArn: z.string(), accessScope: AccessScope }),
  z.object({
    undo: z.literal('remove-permission-set-statement'),
    instanceArn: z.string().regex(SSO_INSTANCE_ARN),
    permissionSetArn: z.string().regex(SSO_PERMISSION_SET_ARN),
    accountId: z.string().regex(/^\d{12}$/),
    sid: z.string().regex(/^[A-Za-z0-9]+$/),
    original: z.string().optional(),
  }),
  z.object({ undo: z.literal('irreversible'), what: z.string(), reason: z.string() }),
]);

const Iso = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'not a date');

export const ActionRecordSchema = z.object({
  id: z.string().min(1),
  anomalyId: z.string().min(1),
  cluster: z.string().min(1),
  kind: ActionKind,
  mode: z.enum(['dry-run', 'apply']),
  status: z.enum(['pending', 'planned', 'applied', 'partial', 'skipped', 'failed', 'reverted']),
  action: EnforcementAction,
  policies: z.array(NetworkPolicySchema),
  operations: z.array(OperationSchema),
  planned: z.boolean(),
  undo: z.array(UndoStepSchema),
  announced: z.string().optional(),
  attempts: z.number().int().nonnegative(),
  leaseUntil: z.number().optional(),
  retryable: z.boolean().optional(),
  rateCounted: z.boolean().optional(),
  held: z.object({ reason: z.string(), since: Iso, retryAt: Iso, until: Iso }).optional(),
  schedule: z.string().optional(),
  createdAt: Iso,
  updatedAt: Iso,
  revertedAt: Iso.optional(),
  revertTrigger: z.enum(['expiry', 'release']).optional(),
  revertNotes: z.array(z.string()).optional(),
  revertError: z.string().optional(),
  version: z.number().int().nonnegative(),
});

// Both directions: every parsed value is a valid type, and every variant of the type is parsed.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameOperation: Same<z.infer<typeof OperationSchema>['op'], Operation['op']> = true;
const sameUndo: Same<z.infer<typeof UndoStepSchema>['undo'], UndoStep['undo']> = true;
// Field by field (zod's optionals read `T | undefined`, which exactOptionalPropertyTypes keeps apart).
type Keys<T> = keyof T & string;
const sameRecordFields: Same<Keys<z.infer<typeof ActionRecordSchema>>, Keys<ActionRecord>> = true;
// The policies are checked against their types where their schemas are (shared/netpol-api/schema.ts).
void [sameOperation, sameUndo, sameRecordFields];

/** A stored action record that does not read as one: never acted on, reported by id. */
export class UnreadableRecordError extends Error {
  constructor(readonly pk: string, readonly issues: string) {
    super(`stored action record ${pk.slice(0, 200)} is unreadable (${issues}); it is not acted on — inspect the item in the table`);
    this.name = 'UnreadableRecordError';
  }
}

/** Parses a record's stored JSON body, or throws UnreadableRecordError. */
export function parseActionRecord(pk: string, body: string | undefined): ActionRecord {
  const parsed = parseStoredJson(ActionRecordSchema, body);
  if (!parsed.success) throw new UnreadableRecordError(pk, parsed.reason === 'not JSON' ? 'body is not JSON' : `invalid: ${parsed.reason}`);
  // Checked above field by field; the cast only drops zod's explicit `| undefined` on optionals.
  return parsed.data as ActionRecord;
}

/**
 * A held action as queued (`HELD#` items, budgets.ts). Re-evaluating one enforces its anomaly
 * again, so the anomaly is read through the public event's schema. `schema` is the format's
 * version; items written before it was stored are of version 1.
 */
export const HeldActionSchema = z.object({
  schema: z.literal(1).optional(),
  cluster: z.string().min(1),
  mode: z.enum(['dry-run', 'apply']),
  actionId: z.string().min(1),
  kind: ActionKind,
  anomaly: BehaviorAnomaly,
  reason: z.string(),
  retryAt: Iso,
  until: Iso,
});
const sameHeldFields: Same<Exclude<Keys<z.infer<typeof HeldActionSchema>>, 'schema'>, Keys<HeldAction>> = true;
const heldFits: Omit<z.infer<typeof HeldActionSchema>, 'schema'> extends HeldAction ? true : false = true;
void [sameHeldFields, heldFits];

/** A queued held action that does not read as one: not re-evaluated, reported by its action id. */
export class UnreadableHeldActionError extends Error {
  constructor(readonly actionId: string, readonly issues: string) {
    super(`held action ${actionId.slice(0, 200)} is unreadable (${issues}); it is not re-evaluated and leaves the queue with its TTL — inspect the item in the table`);
    this.name = 'UnreadableHeldActionError';
  }
}

export function encodeHeldAction(h: HeldAction): string {
  return JSON.stringify({ schema: 1, ...h });
}

/** Parses a held action's stored body, or throws UnreadableHeldActionError. */
export function parseHeldAction(actionId: string, body: string | undefined): HeldAction {
  const parsed = parseStoredJson(HeldActionSchema, body);
  if (!parsed.success) throw new UnreadableHeldActionError(actionId, parsed.reason);
  if (parsed.data.actionId !== actionId) throw new UnreadableHeldActionError(actionId, `stored for ${JSON.stringify(parsed.data.actionId.slice(0, 100))}`);
  const { schema: _version, ...held } = parsed.data;
  return held;
}
