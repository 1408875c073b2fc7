/**
 * Detector settings (the `detection` section of the configuration). Every threshold a detector
 * uses lives here with its default, so operators can tune without code changes; the README's
 * "Detectors" table documents each key.
 */
import { z } from 'zod';

export const DetectionConfig = z
  .object({
    /** Days after a principal's first event during which its behavior is learned, not judged. */
    learningDays: z.number().min(0).max(90).default(7),
    /** Days after the first event of a cluster during which nothing baseline-based alerts. */
    clusterLearningDays: z.number().min(0).max(90).default(7),
    /** Behaviors not seen for this many days are forgotten. */
    decayDays: z.number().min(1).max(365).default(30),
    /** The same finding for the same principal and subject is not raised again within this time. */
    cooldownMinutes: z.number().min(0).max(7 * 24 * 60).default(60),
    /** Findings of one principal within a window combine into one anomaly. */
    windowMinutes: z.number().min(1).max(24 * 60).default(60),
    /** Upper bound on distinct behaviors kept per principal (least recently seen are evicted). */
    maxBehaviors: z.number().int().min(16).max(5000).default(500),
  })
  .strict();
export type DetectionConfig = z.infer<typeof DetectionConfig>;

export const DEFAULT_DETECTION: DetectionConfig = DetectionConfig.parse({});

export const DAY_MS = 24 * 60 * 60 * 1000;
export const MINUTE_MS = 60 * 1000;
