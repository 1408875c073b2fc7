/**
 * Parsers for the two flow formats (README.md#flow-ingestion):
 * - JSON lines `{"src","dst","dstPort","protocol","bytes","packets","start","end"}` (oriented:
 *   src initiated the connection to dst:dstPort);
 * - VPC Flow Logs text records, space separated: the default v2 format, or a custom format
 *   whose field list comes from a header line (S3 delivery, files) or from configuration
 *   (`${version} ${pkt-srcaddr} ...`, CloudWatch Logs delivery, which has no header).
 *
 * Nothing here throws on a bad record: every line ends up as a record, a counted skip (NODATA,
 * SKIPDATA, protocols a NetworkPolicy cannot express) or a counted rejection with a reason.
 * `pkt-srcaddr`/`pkt-dstaddr` win over `srcaddr`/`dstaddr` when present: behind a NAT gateway
 * or on a secondary address they carry the real endpoints.
 */
import { z } from 'zod';
import { ConfigError } from '../errors';
import { canonicalAddress } from '../inventory/net';
import { bump, emptyParseStats, FLOW_PROTOCOLS, type FlowParseStats, type FlowProtocol, type FlowRecord } from './types';

export const FlowRejectReason = {
  notJson: 'not-json',
  invalidJsonFlow: 'invalid-json-flow',
  fieldCount: 'field-count',
  missingField: 'missing-field',
  badAddress: 'bad-address',
  badPort: 'bad-port',
  badProtocol: 'bad-protocol',
  badCounter: 'bad-counter',
  badTime: 'bad-time',
  badAction: 'bad-action',
  /** A text record arrived before any format was known and it does not fit the default v2. */
  unknownFormat: 'unknown-format',
} as const;
export type FlowRejectReason = (typeof FlowRejectReason)[keyof typeof FlowRejectReason];

export const FlowSkipReason = {
  nodata: 'nodata',
  skipdata: 'skipdata',
  /** ICMP and other protocols: NetworkPolicy speaks TCP, UDP and SCTP only. */
  unsupportedProtocol: 'unsupported-protocol',
} as const;
export type FlowSkipReason = (typeof FlowSkipReason)[keyof typeof FlowSkipReason];

/** Every field AWS documents for VPC Flow Logs records, versions 2 to 8. */
export const VPC_FLOW_FIELDS: ReadonlySet<string> = new Set([
  'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes',
  'start', 'end', 'action', 'log-status',
  'vpc-id', 'subnet-id', 'instance-id', 'tcp-flags', 'type', 'pkt-srcaddr', 'pkt-dstaddr',
  'region', 'az-id', 'sublocation-type', 'sublocation-id',
  'pkt-src-aws-service', 'pkt-dst-aws-service', 'flow-direction', 'traffic-path',
  'ecs-cluster-arn', 'ecs-cluster-name', 'ecs-container-instance-arn', 'ecs-container-instance-id', 'ecs-container-id',
  'ecs-second-container-id', 'ecs-service-name', 'ecs-task-definition-arn', 'ecs-task-arn', 'ecs-task-id',
  'reject-reason',
]);

export const DEFAULT_V2_FIELDS = [
  'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes',
  'start', 'end', 'action', 'log-status',
] as const;

export interface VpcFlowFormat {
  fields: readonly string[];
  /** Positions of the fields the parser reads; -1 when absent. */
  at: {
    srcaddr: number; dstaddr: number; pktSrcaddr: number; pktDstaddr: number; srcport: number; dstport: number;
    protocol: number; packets: number; bytes: number; start: number; end: number; action: number; logStatus: number;
    tcpFlags: number; flowDirection: number;
  };
}

/**
 * A format from a field list: `${version} ${srcaddr} ...` (the flow log's LogFormat) or plain
 * space-separated names (a header line). Throws ConfigError naming what is wrong.
 * `strict` rejects names AWS does not document (typos in configuration); header lines of
 * files are read leniently so that fields added by later versions do not break ingestion.
 */
export function vpcFlowFormat(spec: string | readonly string[], opts: { strict?: boolean } = {}): VpcFlowFormat {
  const fields = (typeof spec === 'string' ? spec.trim().split(/\s+/) : [...spec]).map((f) => f.replace(/^\$\{(.*)\}$/, '$1'));
  if (fields.length === 0 || fields[0] === '') throw new ConfigError('flow log format: no fields');
  if (opts.strict !== false) {
    const unknown = fields.filter((f) => !VPC_FLOW_FIELDS.has(f));
    if (unknown.length > 0) throw new ConfigError(`flow log format: unknown field(s) ${unknown.join(', ')}`);
  }
  const dup = fields.find((f, i) => fields.indexOf(f) !== i);
  if (dup) throw new ConfigError(`flow log format: field ${dup} appears twice`);
  const pos = (name: string): number => fields.indexOf(name);
  const at = {
    srcaddr: pos('srcaddr'), dstaddr: pos('dstaddr'), pktSrcaddr: pos('pkt-srcaddr'), pktDstaddr: pos('pkt-dstaddr'),
    srcport: pos('srcport'), dstport: pos('dstport'), protocol: pos('protocol'), packets: pos('packets'), bytes: pos('bytes'),
    start: pos('start'), end: pos('end'), action: pos('action'), logStatus: pos('log-status'), tcpFlags: pos('tcp-flags'),
    flowDirection: pos('flow-direction'),
  };
  const missing: string[] = [];
  if (at.srcaddr < 0 && at.pktSrcaddr < 0) missing.push('srcaddr or pkt-srcaddr');
  if (at.dstaddr < 0 && at.pktDstaddr < 0) missing.push('dstaddr or pkt-dstaddr');
  for (const f of ['srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end'] as const) if (at[f] < 0) missing.push(f);
  if (missing.length > 0) throw new ConfigError(`flow log format: missing field(s) ${missing.join(', ')}`);
  return { fields, at };
}

export const DEFAULT_V2_FORMAT: VpcFlowFormat = vpcFlowFormat(DEFAULT_V2_FIELDS);

const FIELD_NAME = /^[a-z][a-z0-9-]*$/;

/** A header line of a flow log file (S3 delivery writes one): field names only. */
export function isHeaderLine(line: string): boolean {
  const tokens = line.trim().split(/\s+/);
  return (
    tokens.length >= 4 &&
    tokens.every((t) => FIELD_NAME.test(t)) &&
    (tokens.includes('srcaddr') || tokens.includes('pkt-srcaddr')) &&
    tokens.includes('dstport')
  );
}

export type LineResult =
  | { kind: 'record'; record: FlowRecord }
  | { kind: 'skip'; reason: FlowSkipReason }
  | { kind: 'reject'; reason: FlowRejectReason; detail: string }
  | { kind: 'header'; format: VpcFlowFormat }
  | { kind: 'blank' };

function reject(reason: FlowRejectReason, detail: string): LineResult {
  return { kind: 'reject', reason, detail };
}

/**
 * Whether `text` is a canonical IPv4 dotted quad (no leading zeros), by hand: a regex and
 * Number() per octet cost more than the rest of the record.
 */
function isCanonicalV4(text: string): boolean {
  let octets = 0;
  let value = 0;
  let digits = 0;
  let leadingZero = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c === 46 /* . */) {
      if (digits === 0 || value > 255 || (leadingZero && digits > 1)) return false;
      octets += 1;
      value = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57) return false;
    if (digits === 0) leadingZero = c === 48;
    value = value * 10 + (c - 48);
    digits += 1;
    if (digits > 3) return false;
  }
  return octets === 4;
}

/** A flow address in canonical text; IPv4 dotted quads take the fast path. */
export function flowAddress(text: string): string | undefined {
  if (isCanonicalV4(text)) return text;
  return text.includes(':') ? canonicalAddress(text) : undefined;
}

// Field boundaries of the record being parsed, reused across calls: slicing every field into
// its own string cost more than everything else in the record (and fed the GC).
const MAX_FIELDS = 64;
const FIELD_START = new Int32Array(MAX_FIELDS);
const FIELD_END = new Int32Array(MAX_FIELDS);

/** Finds the space/tab separated fields of `line`; returns how many (MAX_FIELDS + 1 when too many). */
function tokenize(line: string): number {
  let n = 0;
  let i = 0;
  const len = line.length;
  while (i < len) {
    let c = line.charCodeAt(i);
    while (i < len && (c === 32 || c === 9)) c = line.charCodeAt(++i);
    if (i >= len) break;
    if (n === MAX_FIELDS) return MAX_FIELDS + 1;
    FIELD_START[n] = i;
    while (i < len && c !== 32 && c !== 9) c = line.charCodeAt(++i);
    FIELD_END[n] = i;
    n += 1;
  }
  return n;
}

const field = (line: string, i: number): string => line.slice(FIELD_START[i], FIELD_END[i]);

function fieldIs(line: string, i: number, text: string): boolean {
  const s = FIELD_START[i] as number;
  return (FIELD_END[i] as number) - s === text.length && line.startsWith(text, s);
}

/** A non-negative decimal integer field up to `max`, read in place; -1 when it is not one. */
function intAt(line: string, i: number, max: number): number {
  const s = FIELD_START[i] as number;
  const e = FIELD_END[i] as number;
  if (e - s === 0 || e - s > 16) return -1;
  let n = 0;
  for (let k = s; k < e; k++) {
    const c = line.charCodeAt(k);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n <= max ? n : -1;
}

/** One VPC Flow Logs text record in `format`. */
export function parseVpcRecord(line: string, format: VpcFlowFormat): LineResult {
  const count = tokenize(line);
  if (count !== format.fields.length) {
    return reject(FlowRejectReason.fieldCount, `expected ${format.fields.length} fields, got ${count > MAX_FIELDS ? `more than ${MAX_FIELDS}` : count}`);
  }
  const at = format.at;
  // NODATA/SKIPDATA records carry "-" in every flow field.
  if (at.logStatus >= 0) {
    if (fieldIs(line, at.logStatus, 'NODATA')) return { kind: 'skip', reason: FlowSkipReason.nodata };
    if (fieldIs(line, at.logStatus, 'SKIPDATA')) return { kind: 'skip', reason: FlowSkipReason.skipdata };
  }
  const protoNumber = intAt(line, at.protocol, 255);
  if (protoNumber < 0) return reject(FlowRejectReason.badProtocol, `protocol "${field(line, at.protocol)}" is not a number`);
  const protocol = protoNumber === 6 ? 'TCP' : protoNumber === 17 ? 'UDP' : protoNumber === 132 ? 'SCTP' : undefined;
  if (!protocol) return { kind: 'skip', reason: FlowSkipReason.unsupportedProtocol };

  const srcAt = at.pktSrcaddr >= 0 && !fieldIs(line, at.pktSrcaddr, '-') ? at.pktSrcaddr : at.srcaddr;
  const dstAt = at.pktDstaddr >= 0 && !fieldIs(line, at.pktDstaddr, '-') ? at.pktDstaddr : at.dstaddr;
  if (srcAt < 0 || dstAt < 0 || fieldIs(line, srcAt, '-') || fieldIs(line, dstAt, '-')) {
    return reject(FlowRejectReason.missingField, 'source or destination address is "-"');
  }
  const srcText = field(line, srcAt);
  const dstText = field(line, dstAt);
  const src = flowAddress(srcText);
  const dst = flowAddress(dstText);
  if (!src || !dst) return reject(FlowRejectReason.badAddress, `not an IP address: ${src ? dstText : srcText}`);

  const srcPort = intAt(line, at.srcport, 65535);
  const dstPort = intAt(line, at.dstport, 65535);
  if (srcPort <= 0 || dstPort <= 0) {
    return reject(FlowRejectReason.badPort, `ports "${field(line, at.srcport)}" and "${field(line, at.dstport)}" must be 1-65535`);
  }
  const packets = intAt(line, at.packets, Number.MAX_SAFE_INTEGER);
  const bytes = intAt(line, at.bytes, Number.MAX_SAFE_INTEGER);
  if (packets < 0 || bytes < 0) return reject(FlowRejectReason.badCounter, 'packets and bytes must be non-negative integers');
  const start = intAt(line, at.start, 1e11);
  const end = intAt(line, at.end, 1e11);
  if (start <= 0 || end < start) {
    return reject(FlowRejectReason.badTime, `start "${field(line, at.start)}" and end "${field(line, at.end)}" must be epoch seconds with end >= start`);
  }
  let action: FlowRecord['action'] = 'ACCEPT';
  if (at.action >= 0 && !fieldIs(line, at.action, 'ACCEPT') && !fieldIs(line, at.action, '-')) {
    if (fieldIs(line, at.action, 'REJECT')) action = 'REJECT';
    else return reject(FlowRejectReason.badAction, `action "${field(line, at.action)}" is not ACCEPT or REJECT`);
  }
  const record: FlowRecord = {
    src, dst, srcPort, dstPort, protocol, bytes, packets, start: start * 1000, end: end * 1000, action, oriented: false,
  };
  if (at.tcpFlags >= 0) {
    const flags = intAt(line, at.tcpFlags, 255);
    if (flags >= 0) record.tcpFlags = flags;
  }
  if (at.flowDirection >= 0) {
    if (fieldIs(line, at.flowDirection, 'ingress')) record.flowDirection = 'ingress';
    else if (fieldIs(line, at.flowDirection, 'egress')) record.flowDirection = 'egress';
  }
  return { kind: 'record', record };
}

export const JsonFlow = z.object({
  src: z.string(),
  dst: z.string(),
  dstPort: z.number().int().min(1).max(65535),
  protocol: z.string(),
  bytes: z.number().int().nonnegative(),
  packets: z.number().int().nonnegative(),
  start: z.string(),
  end: z.string(),
  srcPort: z.number().int().min(1).max(65535).optional(),
  action: z.enum(['ACCEPT', 'REJECT']).optional(),
});
export type JsonFlow = z.infer<typeof JsonFlow>;

const JSON_ISSUE_REASON: Record<string, FlowRejectReason> = {
  src: FlowRejectReason.badAddress,
  dst: FlowRejectReason.badAddress,
  dstPort: FlowRejectReason.badPort,
  srcPort: FlowRejectReason.badPort,
  protocol: FlowRejectReason.badProtocol,
  bytes: FlowRejectReason.badCounter,
  packets: FlowRejectReason.badCounter,
  start: FlowRejectReason.badTime,
  end: FlowRejectReason.badTime,
  action: FlowRejectReason.badAction,
};

/** Converts an already-parsed JSON value (a line of the JSON-lines format). */
export function parseJsonFlowValue(value: unknown): LineResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('src' in value) || !('dst' in value)) {
    return reject(FlowRejectReason.invalidJsonFlow, 'not a flow object (needs src, dst, dstPort, protocol, bytes, packets, start, end)');
  }
  const parsed = JsonFlow.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? '');
    return reject(JSON_ISSUE_REASON[field] ?? FlowRejectReason.invalidJsonFlow, `${field || 'record'}: ${issue?.message ?? 'invalid'}`);
  }
  const f = parsed.data;
  const protocol = f.protocol.toUpperCase();
  if (!(FLOW_PROTOCOLS as readonly string[]).includes(protocol)) {
    if (/^(ICMP|ICMPV6|IPV6-ICMP|GRE|ESP|AH)$/.test(protocol)) return { kind: 'skip', reason: FlowSkipReason.unsupportedProtocol };
    return reject(FlowRejectReason.badProtocol, `protocol "${f.protocol}" is not TCP, UDP or SCTP`);
  }
  const src = flowAddress(f.src);
  const dst = flowAddress(f.dst);
  if (!src || !dst) return reject(FlowRejectReason.badAddress, `not an IP address: ${src ? f.dst : f.src}`);
  const start = Date.parse(f.start);
  const end = Date.parse(f.end);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) {
    return reject(FlowRejectReason.badTime, `start "${f.start}" and end "${f.end}" must be ISO times with end >= start`);
  }
  const record: FlowRecord = {
    src, dst, dstPort: f.dstPort, protocol: protocol as FlowProtocol, bytes: f.bytes, packets: f.packets, start, end,
    action: f.action ?? 'ACCEPT', oriented: true,
  };
  if (f.srcPort !== undefined) record.srcPort = f.srcPort;
  return { kind: 'record', record };
}

export function parseJsonFlowLine(line: string): LineResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return reject(FlowRejectReason.notJson, 'line starts with "{" but is not JSON');
  }
  return parseJsonFlowValue(value);
}

/**
 * One line of any flow input. A header line switches the format for the lines after it.
 * `format` is the configured or last-seen format; without one the default v2 format is used.
 */
export function parseFlowLine(line: string, format: VpcFlowFormat = DEFAULT_V2_FORMAT): LineResult {
  const first = line.charCodeAt(0);
  if (line.length === 0 || (first <= 32 && line.trim().length === 0)) return { kind: 'blank' };
  if (first === 123 /* { */ || first === 91 /* [ */) return parseJsonFlowLine(line);
  if (first >= 97 && first <= 122 /* a-z */ && isHeaderLine(line)) {
    try {
      return { kind: 'header', format: vpcFlowFormat(line, { strict: false }) };
    } catch (err) {
      return reject(FlowRejectReason.unknownFormat, (err as Error).message);
    }
  }
  return parseVpcRecord(line, format);
}

/** Keeps at most this many rejected examples per parser, for reports. */
const MAX_EXAMPLES = 20;

/**
 * Stateful line parser for one input (a file or one CloudWatch payload): tracks the current
 * format across header lines and counts everything in `stats`.
 */
export class FlowLineParser {
  readonly stats: FlowParseStats = emptyParseStats();
  readonly examples: Array<{ reason: string; detail: string; line: number }> = [];
  private format: VpcFlowFormat;

  constructor(format?: VpcFlowFormat) {
    this.format = format ?? DEFAULT_V2_FORMAT;
  }

  get currentFormat(): VpcFlowFormat {
    return this.format;
  }

  /** The record on this line, or undefined (skipped, rejected, header or blank: all counted). */
  parse(line: string): FlowRecord | undefined {
    this.stats.lines += 1;
    const r = parseFlowLine(line, this.format);
    switch (r.kind) {
      case 'record':
        this.stats.records += 1;
        if (r.record.action === 'REJECT') this.stats.networkRejected += 1;
        return r.record;
      case 'skip':
        bump(this.stats.skipped, r.reason);
        return undefined;
      case 'reject':
        bump(this.stats.rejected, r.reason);
        if (this.examples.length < MAX_EXAMPLES) this.examples.push({ reason: r.reason, detail: r.detail, line: this.stats.lines });
        return undefined;
      case 'header':
        this.format = r.format;
        return undefined;
      default:
        return undefined;
    }
  }
}
