/**
 * `netpol simulate`: answers probes (the top-level README.md#boundwatch-netpol-simulate). A probe is
 * `{"from": "ns/pod" | {"ip": ...}, "to": ... | {"service": "ns/name"} | {"domain": "api.stripe.com", "ip": ...},
 * "port": 80 | "http", "protocol": "TCP"}` (a Service or its ClusterIP is answered on its
 * backend pods; a domain is what domain-name peers of the newer policy kinds match); the
 * answer is the probe's own fields plus `allowed` (true|false) and `reason`. Loopback probes,
 * which NetworkPolicy leaves undefined, answer `"allowed": false` with a reason starting
 * `undefined:` so that a true/false consumer never counts them as reachable.
 * A probe that cannot be answered (unknown pod, bad field) gets `error` instead, and the
 * others are still answered.
 */
import { z } from 'zod';
import { errorMessage } from '#shared/errors';
import type { Evaluation, Evaluator } from './evaluate';
import { PROTOCOLS, type Protocol } from '#shared/netpol-api/types';

const Endpoint = z.union(
  [
    z.string().min(1),
    z.object({ domain: z.string().min(1).max(253), ip: z.string().min(1).optional() }),
    z.object({ ip: z.string().min(1) }),
    z.object({ pod: z.string().min(1) }),
    z.object({ service: z.string().min(1) }),
  ],
  { error: 'must be "ns/pod", {"ip": "..."}, {"domain": "...", "ip": "..."} or {"service": "ns/name"}' },
);

const PORT_ERROR = 'must be a port number (1-65535) or a port name';

export const Probe = z.looseObject({
  from: Endpoint,
  to: Endpoint,
  port: z.union(
    [z.int({ error: PORT_ERROR }).min(1, { error: PORT_ERROR }).max(65535, { error: PORT_ERROR }), z.string({ error: PORT_ERROR }).min(1, { error: PORT_ERROR })],
    { error: PORT_ERROR },
  ),
  protocol: z
    .string()
    .transform((p) => p.toUpperCase())
    .pipe(z.enum(PROTOCOLS, { error: 'must be TCP, UDP or SCTP' }))
    .optional(),
}, { error: 'must be an object with from, to and port' });
export type Probe = z.infer<typeof Probe>;

export interface ProbeAnswer {
  /** The JSON line to print: the probe's fields plus allowed/reason, or error. */
  line: Record<string, unknown>;
  evaluation?: Evaluation;
  error?: string;
}

function probeFields(raw: unknown): Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>) } : { probe: raw };
}

/** Answers one probe; never throws for bad probes. */
export function answerProbe(evaluator: Evaluator, raw: unknown, index: number, opts: { explain?: boolean | undefined } = {}): ProbeAnswer {
  const fields = probeFields(raw);
  const parsed = Probe.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
    const error = `probe ${index}: ${where}${issue.message}`;
    return { line: { ...fields, error }, error };
  }
  const probe = parsed.data;
  const protocol: Protocol = probe.protocol ?? 'TCP';
  try {
    const evaluation = evaluator.evaluate(probe.from, probe.to, probe.port, protocol);
    const line: Record<string, unknown> = { ...fields, allowed: evaluation.allowed === true, reason: evaluation.reason };
    if (opts.explain) {
      line.egress = evaluation.egress;
      line.ingress = evaluation.ingress;
      if (typeof probe.port === 'string' || evaluation.backends) line.resolvedPort = evaluation.port;
      if (evaluation.backends) {
        line.backends = evaluation.backends.map((b) => ({ pod: b.to.label, allowed: b.allowed === true, reason: b.reason }));
      }
    }
    return { line, evaluation };
  } catch (err) {
    const error = `probe ${index}: ${errorMessage(err)}`;
    return { line: { ...fields, error }, error };
  }
}

/** Answers every probe of a `--probes` document (a JSON array). */
export function answerProbes(evaluator: Evaluator, probes: readonly unknown[], opts: { explain?: boolean | undefined } = {}): ProbeAnswer[] {
  return probes.map((p, i) => answerProbe(evaluator, p, i, opts));
}
