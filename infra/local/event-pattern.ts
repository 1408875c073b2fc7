/**
 * EventBridge event-pattern matching, so the local bus routes with the very patterns the CDK
 * rules deploy (shared/events/rules.ts). Semantics follow the EventBridge user guide
 * ("Comparison operators for use in event patterns", "Arrays in event patterns") and, where
 * the guide is silent, aws/event-ruler, the library EventBridge uses:
 *
 * - Field names AND together; a field's array of values ORs; nested objects nest.
 * - An event array matches when any element does; an object pattern against an array of
 *   objects must match within one element (array consistency).
 * - Literals are typed: "300" never matches 300; numbers compare by value (300 = 300.0).
 * - String operators (prefix, suffix, equals-ignore-case, wildcard, cidr) match strings only;
 *   `numeric` matches JSON numbers only, within ±5e9.
 * - `anything-but` X matches a present leaf value that X does not match (of any type);
 *   like every operator but `exists: false`, it never matches an absent field.
 * - `exists` looks at leaves: an object is not a leaf, so `exists: false` matches it.
 *
 * Known approximation: event-ruler evaluates `exists: false` inside arrays of objects in an
 * order-dependent way; here it is "absent from the element that matched", the reading the
 * array-consistency rule suggests. boundwatch's rules don't depend on it.
 */
import ipaddr from 'ipaddr.js';
import type { EventPattern } from '#shared/events/rules';

export type { EventPattern };

const NUMERIC_LIMIT = 5e9;
const OR = '$or';
const OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'anything-but', 'numeric', 'exists', 'cidr']);

type Leaf = string | number | boolean | null;
type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function flatten(values: readonly unknown[]): unknown[] {
  return values.flatMap((v) => (Array.isArray(v) ? flatten(v) : [v]));
}

/** True when `event` matches `pattern`. Validate patterns first (validatePattern): this does not. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchNode(pattern, event);
}

/** An object pattern against whatever the event holds at that position. */
function matchNode(pattern: Obj, node: unknown): boolean {
  if (Array.isArray(node)) {
    const elements = flatten(node);
    // Leaf-only arrays (or empty ones) hold no fields: the pattern's fields are all absent.
    return elements.some((el) => isObject(el) && matchFields(pattern, el)) || (!elements.some(isObject) && matchFields(pattern, undefined));
  }
  return matchFields(pattern, isObject(node) ? node : undefined);
}

function matchFields(pattern: Obj, obj: Obj | undefined): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === OR && Array.isArray(sub)) {
      if (!sub.some((branch) => isObject(branch) && matchFields(branch, obj))) return false;
      continue;
    }
    const child = obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (Array.isArray(sub)) {
      if (!matchLeafConditions(sub, child)) return false;
    } else if (isObject(sub)) {
      if (!matchNode(sub, child)) return false;
    } else {
      return false;
    }
  }
  return true;
}

function leavesOf(node: unknown): Leaf[] {
  if (node === undefined) return [];
  if (Array.isArray(node)) return flatten(node).filter((v): v is Leaf => !isObject(v) && v !== undefined);
  if (isObject(node)) return [];
  return [node as Leaf];
}

function matchLeafConditions(conditions: readonly unknown[], node: unknown): boolean {
  const leaves = leavesOf(node);
  return conditions.some((cond) => {
    if (isObject(cond) && 'exists' in cond) return cond.exists === (leaves.length > 0);
    return leaves.some((value) => matchValue(cond, value));
  });
}

function matchValue(cond: unknown, value: Leaf): boolean {
  if (!isObject(cond)) return equalLiteral(cond, value);
  const [op, arg] = Object.entries(cond)[0] ?? [];
  switch (op) {
    case 'prefix':
      return typeof value === 'string' && stringOp(arg, value, (v, p) => v.startsWith(p));
    case 'suffix':
      return typeof value === 'string' && stringOp(arg, value, (v, s) => v.endsWith(s));
    case 'equals-ignore-case':
      return typeof value === 'string' && typeof arg === 'string' && fold(value) === fold(arg);
    case 'wildcard':
      return typeof value === 'string' && typeof arg === 'string' && wildcardRegExp(arg).test(value);
    case 'anything-but':
      return !anythingButExcludes(arg, value);
    case 'numeric':
      return typeof value === 'number' && Array.isArray(arg) && numericMatches(arg, value);
    case 'cidr':
      return typeof value === 'string' && typeof arg === 'string' && cidrMatches(arg, value);
    default:
      return false;
  }
}

/** Typed equality: "300" is not 300, null is not "". Numbers compare by value (300 = 300.0). */
function equalLiteral(cond: unknown, value: Leaf): boolean {
  return cond === value;
}

function fold(s: string): string {
  return s.toLowerCase();
}

/** `prefix`/`suffix` take a string or `{ "equals-ignore-case": string }`. */
function stringOp(arg: unknown, value: string, test: (v: string, operand: string) => boolean): boolean {
  if (typeof arg === 'string') return test(value, arg);
  if (isObject(arg) && typeof arg['equals-ignore-case'] === 'string') return test(fold(value), fold(arg['equals-ignore-case']));
  return false;
}

/** True when the anything-but operand matches `value`, i.e. the value is excluded. */
function anythingButExcludes(arg: unknown, value: Leaf): boolean {
  if (Array.isArray(arg)) return arg.some((a) => equalLiteral(a, value));
  if (!isObject(arg)) return equalLiteral(arg, value);
  const [op, operand] = Object.entries(arg)[0] ?? [];
  const operands = (Array.isArray(operand) ? operand : [operand]).filter((o): o is string => typeof o === 'string');
  if (typeof value !== 'string') return false;
  switch (op) {
    case 'prefix':
      return operands.some((p) => value.startsWith(p));
    case 'suffix':
      return operands.some((s) => value.endsWith(s));
    case 'equals-ignore-case':
      return operands.some((s) => fold(s) === fold(value));
    case 'wildcard':
      return operands.some((w) => wildcardRegExp(w).test(value));
    default:
      return false;
  }
}

const NUMERIC_OPS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function numericMatches(terms: readonly unknown[], value: number): boolean {
  // EventBridge compares numbers only within ±5e9; beyond that a value is not numeric to it.
  if (!Number.isFinite(value) || Math.abs(value) > NUMERIC_LIMIT) return false;
  for (let i = 0; i < terms.length; i += 2) {
    const test = NUMERIC_OPS[String(terms[i])];
    const operand = terms[i + 1];
    if (!test || typeof operand !== 'number' || !test(value, operand)) return false;
  }
  return terms.length > 0;
}

function parseIp(s: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return ipaddr.IPv4.parse(s);
  if (s.includes(':') && ipaddr.IPv6.isValid(s)) return ipaddr.IPv6.parse(s);
  return undefined;
}

function parseCidr(s: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseIp(s.slice(0, slash));
  const bits = s.slice(slash + 1);
  if (!addr || !/^\d{1,3}$/.test(bits)) return undefined;
  const n = Number(bits);
  return n <= (addr.kind() === 'ipv4' ? 32 : 128) ? [addr, n] : undefined;
}

function cidrMatches(cidr: string, value: string): boolean {
  const range = parseCidr(cidr);
  const addr = parseIp(value);
  if (!range || !addr || addr.kind() !== range[0].kind()) return false;
  return addr.match(range);
}

const wildcardCache = new Map<string, RegExp>();

/** `*` is any run of characters; `\*` a literal star and `\\` a literal backslash. */
function wildcardRegExp(pattern: string): RegExp {
  let re = wildcardCache.get(pattern);
  if (re) return re;
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      src += escapeRegExp(pattern[++i] as string);
    } else if (c === '*') {
      src += '.*';
    } else {
      src += escapeRegExp(c);
    }
  }
  re = new RegExp(`^${src}$`, 's');
  wildcardCache.set(pattern, re);
  return re;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------
// Validation: the problems PutRule would reject, each naming the path, empty when valid.

/** Problems with `pattern` as EventBridge would report them; an empty list means valid. */
export function validatePattern(pattern: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(pattern)) {
    problems.push('pattern: must be a JSON object');
    return problems;
  }
  validateObject(pattern, '', false, problems);
  return problems;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function validateObject(obj: Obj, path: string, insideOr: boolean, problems: string[]): void {
  const entries = Object.entries(obj);
  if (entries.length === 0) problems.push(`${path || 'pattern'}: empty objects are not allowed`);
  for (const [key, value] of entries) {
    const at = join(path, key);
    if (key === OR) {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
        problems.push(`${at}: must be an array of at least 2 objects`);
        continue;
      }
      value.forEach((branch, i) => validateObject(branch, `${path ? `${path}.` : ''}${OR}[${i}]`, true, problems));
      continue;
    }
    if (insideOr && OPERATORS.has(key)) {
      problems.push(`${at}: "${key}" is an operator and cannot be a field name inside ${OR}`);
      continue;
    }
    if (Array.isArray(value)) validateValues(value, at, problems);
    else if (isObject(value)) validateObject(value, at, insideOr, problems);
    else problems.push(`${at}: must be an object or an array`);
  }
}

function validateValues(values: readonly unknown[], at: string, problems: string[]): void {
  if (values.length === 0) problems.push(`${at}: empty arrays are not allowed`);
  values.forEach((v, i) => {
    const where = `${at}[${i}]`;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) problems.push(`${where}: numbers must be finite`);
      return;
    }
    if (isObject(v)) {
      validateOperator(v, where, problems);
      return;
    }
    problems.push(`${where}: match value must be a string, number, true, false, null or an operator object`);
  });
}

function validateOperator(expr: Obj, where: string, problems: string[]): void {
  const keys = Object.keys(expr);
  if (keys.length !== 1) {
    problems.push(`${where}: an operator object must have exactly one key, has ${keys.length}`);
    return;
  }
  const op = keys[0] as string;
  const arg = expr[op];
  const bad = (msg: string) => problems.push(`${where}.${op}: ${msg}`);
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (typeof arg === 'string') return;
      if (isObject(arg) && Object.keys(arg).length === 1 && typeof arg['equals-ignore-case'] === 'string') return;
      bad('must be a string or { "equals-ignore-case": string }');
      return;
    case 'equals-ignore-case':
      if (typeof arg !== 'string') bad('must be a string');
      return;
    case 'wildcard': {
      const problem = typeof arg === 'string' ? wildcardProblem(arg) : 'must be a string';
      if (problem) bad(problem);
      return;
    }
    case 'exists':
      if (typeof arg !== 'boolean') bad('must be true or false');
      return;
    case 'cidr':
      if (typeof arg !== 'string' || !parseCidr(arg)) bad('must be an IPv4 or IPv6 CIDR block such as "10.0.0.0/24"');
      return;
    case 'numeric':
      for (const p of numericProblems(arg)) bad(p);
      return;
    case 'anything-but':
      for (const p of anythingButProblems(arg)) bad(p);
      return;
    default:
      problems.push(`${where}: unknown operator "${op}"`);
  }
}

function wildcardProblem(w: string): string | undefined {
  for (let i = 0; i < w.length; i++) {
    const c = w[i];
    if (c === '*' && w[i + 1] === '*') return 'consecutive wildcard characters are not allowed';
    if (c === '\\') {
      const next = w[i + 1];
      if (next !== '*' && next !== '\\') return 'a backslash may only escape "*" or "\\"';
      i++;
    }
  }
  return undefined;
}

function numericProblems(arg: unknown): string[] {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) {
    return ['must be [op, number] or [">"|">=", number, "<"|"<=", number]'];
  }
  const problems: string[] = [];
  const items: readonly unknown[] = arg;
  for (let i = 0; i < items.length; i += 2) {
    const op = items[i];
    const n = items[i + 1];
    if (typeof op !== 'string' || !(op in NUMERIC_OPS)) problems.push(`unknown comparison ${JSON.stringify(op)}`);
    if (typeof n !== 'number' || !Number.isFinite(n)) problems.push(`value of ${String(op)} must be a number`);
    else if (Math.abs(n) > NUMERIC_LIMIT) problems.push(`${n} is outside the supported range -5e9..5e9`);
  }
  if (arg.length === 4) {
    const [lowOp, low, highOp, high] = arg as [unknown, unknown, unknown, unknown];
    if (lowOp !== '>' && lowOp !== '>=') problems.push('a range must start with ">" or ">="');
    if (highOp !== '<' && highOp !== '<=') problems.push('a range must end with "<" or "<="');
    if (typeof low === 'number' && typeof high === 'number' && !(low < high)) problems.push('the lower bound must be below the upper bound');
  }
  return problems;
}

function anythingButProblems(arg: unknown): string[] {
  if (typeof arg === 'string' || (typeof arg === 'number' && Number.isFinite(arg))) return [];
  if (Array.isArray(arg)) {
    if (arg.length === 0) return ['an empty list is not allowed'];
    const allStrings = arg.every((a) => typeof a === 'string');
    const allNumbers = arg.every((a) => typeof a === 'number' && Number.isFinite(a));
    return allStrings || allNumbers ? [] : ['a list must hold only strings or only numbers'];
  }
  if (isObject(arg)) {
    const keys = Object.keys(arg);
    const op = keys[0];
    if (keys.length !== 1 || !op || !['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(op)) {
      return ['an object must be one of { prefix | suffix | equals-ignore-case | wildcard: string or [strings] }'];
    }
    const operand = arg[op];
    const list = Array.isArray(operand) ? operand : [operand];
    if (list.length === 0 || !list.every((s) => typeof s === 'string')) return [`${op} must be a string or a non-empty list of strings`];
    if ((op === 'prefix' || op === 'suffix') && list.some((s) => s === '')) return [`an empty ${op} is not allowed`];
    if (op === 'wildcard') {
      const p = list.map((w) => wildcardProblem(w)).find(Boolean);
      if (p) return [p];
    }
    return [];
  }
  return ['must be a string, a number, a list of either, or an operator object'];
}
