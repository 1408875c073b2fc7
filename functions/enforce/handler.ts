/**
 * Lambda entry for Behavior Anomaly events routed by the `AnomalyToEnforce` rule. Thin: parse
 * the EventBridge envelope, plan with shared/enforce, announce every action as an
 * `Enforcement Action` event.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { eventBridgeClientFor } from '#shared/clients/eventbridge';
import { FunctionConfig, type EnforcementConfig } from '#shared/config';
import { EnvNames, jsonEnv, optionalEnv, requireEnv } from '#shared/env';
import { planActions, type PlannedAction } from '#shared/enforce/plan';
import { ConfigError, ValidationError } from '#shared/errors';
import { publishEvents } from '#shared/events/publish';
import { BehaviorAnomaly, DetailType, EnforcementMode, EventBridgeEnvelope } from '#shared/events/schema';
import { MetricName } from '#shared/observability/metrics';
import { countMetric, createLogger, createMetrics } from '#shared/observability/powertools';

export interface EnforceDeps {
  eventBridge: EventBridgeClient;
  busName: string;
  cluster: string;
  mode: EnforcementMode;
  enforcement: EnforcementConfig;
  now?: () => Date;
}

export interface EnforceResult {
  planned: PlannedAction[];
}

export function depsFromEnv(env: NodeJS.ProcessEnv): EnforceDeps {
  const config = jsonEnv(EnvNames.config, FunctionConfig, env);
  const mode = EnforcementMode.safeParse(optionalEnv(EnvNames.enforcementMode, env) ?? config.cluster.enforcement);
  if (!mode.success) throw new ConfigError(`Environment variable ${EnvNames.enforcementMode} must be off, dry-run or apply`);
  return {
    eventBridge: eventBridgeClientFor(optionalEnv(EnvNames.eventBridgeEndpoint, env), { region: optionalEnv(EnvNames.awsRegion, env) }),
    busName: requireEnv(EnvNames.eventBusName, env),
    cluster: config.cluster.name,
    mode: mode.data,
    enforcement: config.enforcement,
  };
}

export function parseAnomalyEvent(event: unknown): BehaviorAnomaly {
  const envelope = EventBridgeEnvelope.safeParse(event);
  if (!envelope.success || envelope.data['detail-type'] !== DetailType.anomaly) {
    throw new ValidationError('not-anomaly-event', 'expected an EventBridge "Behavior Anomaly" event');
  }
  const detail = BehaviorAnomaly.safeParse(envelope.data.detail);
  if (!detail.success) {
    throw new ValidationError('invalid-anomaly', `invalid Behavior Anomaly: ${detail.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  return detail.data;
}

export function makeHandler(deps: EnforceDeps, obs: { logger: Logger; metrics: Metrics } = { logger: createLogger('enforce'), metrics: createMetrics('enforce', { cluster: deps.cluster }) }) {
  return async (event: unknown, context?: Context): Promise<EnforceResult> => {
    if (context) obs.logger.addContext(context);
    try {
      const anomaly = parseAnomalyEvent(event);
      if (anomaly.cluster !== deps.cluster) {
        obs.logger.warn('anomaly for another cluster ignored', { anomalyId: anomaly.id, cluster: anomaly.cluster });
        return { planned: [] };
      }
      if (deps.mode === 'apply') {
        throw new ConfigError('enforcement mode "apply" is not available in this build; use dry-run');
      }
      const planned = planActions({ anomaly, mode: deps.mode, config: deps.enforcement, now: deps.now?.() ?? new Date() });
      if (planned.length > 0) {
        await publishEvents(
          deps.eventBridge,
          deps.busName,
          planned.map((p) => ({ detailType: DetailType.enforcement, detail: p.action })),
        );
      }
      for (const p of planned) {
        countMetric(obs.metrics, MetricName.enforcementActions, 1, { action: p.action.action, outcome: p.action.outcome });
        obs.logger.info('enforcement action', { actionId: p.action.id, anomalyId: anomaly.id, action: p.action.action, outcome: p.action.outcome, mode: p.action.mode });
      }
      return { planned };
    } finally {
      // Metrics with extra dimensions went out as single-metric records already.
      if (obs.metrics.hasStoredMetrics()) obs.metrics.publishStoredMetrics();
    }
  };
}

let instance: ReturnType<typeof makeHandler> | undefined;

export const handler = (event: unknown, context: Context): Promise<EnforceResult> => {
  instance ??= makeHandler(depsFromEnv(process.env));
  return instance(event, context);
};
