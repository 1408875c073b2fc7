/**
 * EventBridge client construction. On AWS the SDK's default chains supply region and
 * credentials; against the local endpoint (infra/local/eventbridge-server.ts) we pin a region
 * and static credentials so that nothing reaches for real ones.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

export interface EventBridgeClientOptions {
  /** Defaults to the SDK's chain on AWS, `us-east-1` against a local endpoint. */
  region?: string | undefined;
  /** SDK attempts per request (whole-request failures: 5xx, throttling, network). */
  maxAttempts?: number;
}

/** A client for AWS when `endpoint` is undefined, else for the EventBridge-compatible endpoint. */
export function eventBridgeClientFor(endpoint?: string, opts: EventBridgeClientOptions = {}): EventBridgeClient {
  return new EventBridgeClient({
    ...(opts.region ? { region: opts.region } : {}),
    ...(endpoint
      ? {
          endpoint,
          region: opts.region ?? 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
    maxAttempts: opts.maxAttempts ?? 5,
  });
}
