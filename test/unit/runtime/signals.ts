/** Sequence signals for tests: each field defaults to something plausible, overridden per case. */
import type { SequenceSignal } from '#shared/events/schema';

export const T0 = Date.parse('2026-11-10T02:00:00Z');
export const MIN = 60_000;
export const HOUR = 3_600_000;

export function signal(over: Partial<SequenceSignal> & { id: string; at: number }): SequenceSignal {
  const { at, ...rest } = over;
  return {
    layer: 'runtime',
    source: 'falco',
    type: 'Terminal shell in container',
    title: 'shell',
    time: new Date(at).toISOString(),
    severity: 'LOW',
    tactics: ['Execution'],
    techniques: ['T1059'],
    baseline: 'Falco rule matched',
    endpoints: [],
    resources: [],
    join: 'pod-name',
    ...rest,
  };
}

export const checkoutPod = { namespace: 'shop', pod: 'checkout-7c9d5b8f6-x2k4q', podUid: 'uid-checkout', serviceAccount: 'checkout', owner: { kind: 'Deployment', name: 'checkout' } };
export const CHECKOUT_SA = 'system:serviceaccount:shop:checkout';

/** Shell in the checkout pod → its token used from the internet → secrets read in kube-system. */
export function stolenTokenStory(at = T0): SequenceSignal[] {
  return [
    signal({ id: 'falco:shell', at, workload: checkoutPod, principal: CHECKOUT_SA }),
    signal({
      id: 'anomaly:token',
      at: at + 12 * MIN,
      layer: 'api',
      source: 'boundwatch',
      type: 'NewSourceNetwork',
      severity: 'HIGH',
      tactics: ['LateralMovement'],
      techniques: ['T1550.001'],
      baseline: 'The token was only ever used from 10.20.0.0/16',
      workload: { namespace: 'shop', pod: checkoutPod.pod, podUid: 'uid-checkout', serviceAccount: 'checkout' },
      principal: CHECKOUT_SA,
      endpoints: ['203.0.113.66'],
      join: 'anomaly',
    }),
    signal({
      id: 'anomaly:secrets',
      at: at + 13 * MIN,
      layer: 'api',
      source: 'boundwatch',
      type: 'SecretsAccessed',
      severity: 'HIGH',
      tactics: ['CredentialAccess'],
      techniques: ['T1552.007'],
      baseline: 'checkout never read secrets outside shop',
      workload: { namespace: 'shop', serviceAccount: 'checkout' },
      principal: CHECKOUT_SA,
      resources: [],
      join: 'anomaly',
    }),
  ];
}
