/**
 * `labelSelector=` and `fieldSelector=` query parameters, parsed and matched as kube-apiserver
 * does (k8s.io/apimachinery/pkg/labels and pkg/fields). A selector that does not parse is a
 * 400 BadRequest; a field the resource does not index is `field label not supported`.
 */
import { labelValueErrors, qualifiedNameErrors } from '#shared/k8s/names';
import { badRequest } from './status';
import { text } from './patch';

export type LabelOp = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';
export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

/** Splits on commas that are not inside `( )`. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function checkKey(key: string): void {
  const errs = qualifiedNameErrors(key);
  if (errs.length) throw badRequest(`unable to parse requirement: key: Invalid value: ${JSON.stringify(key)}: ${errs.join('; ')}`);
}

function checkValue(key: string, value: string, i: number): void {
  const errs = labelValueErrors(value);
  if (errs.length) throw badRequest(`unable to parse requirement: values[${i}][${key}]: Invalid value: ${JSON.stringify(value)}: ${errs.join('; ')}`);
}

export function parseLabelSelector(selector: string | null | undefined): LabelRequirement[] {
  if (!selector || selector.trim() === '') return [];
  const reqs: LabelRequirement[] = [];
  for (const raw of splitTopLevel(selector)) {
    const part = raw.trim();
    if (part === '') throw badRequest(`unable to parse requirement: found '', expected: identifier`);
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^!\s*([^\s=!<>(),]+)$/))) {
      checkKey(m[1]!);
      reqs.push({ key: m[1]!, op: '!', values: [] });
    } else if ((m = part.match(/^([^\s=!<>(),]+)\s+(in|notin)\s*\(([^()]*)\)$/))) {
      const key = m[1]!;
      checkKey(key);
      const values = m[3]!.split(',').map((v) => v.trim());
      if (m[3]!.trim() === '') throw badRequest(`unable to parse requirement: for 'in', 'notin' operators, values set can't be empty`);
      values.forEach((v, i) => checkValue(key, v, i));
      reqs.push({ key, op: m[2] as LabelOp, values });
    } else if ((m = part.match(/^([^\s=!<>(),]+)\s*(==|=|!=)\s*([^\s=!<>(),]*)$/))) {
      const key = m[1]!;
      checkKey(key);
      checkValue(key, m[3]!, 0);
      reqs.push({ key, op: m[2] as LabelOp, values: [m[3]!] });
    } else if ((m = part.match(/^([^\s=!<>(),]+)\s*([<>])\s*(-?\d+)$/))) {
      checkKey(m[1]!);
      reqs.push({ key: m[1]!, op: m[2] === '>' ? 'gt' : 'lt', values: [m[3]!] });
    } else if ((m = part.match(/^([^\s=!<>(),]+)$/))) {
      checkKey(m[1]!);
      reqs.push({ key: m[1]!, op: 'exists', values: [] });
    } else {
      throw badRequest(`unable to parse requirement: ${JSON.stringify(part)} is not a valid label selector requirement`);
    }
  }
  return reqs;
}

export function matchesLabels(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'in':
      case '=':
      case '==':
        return has && r.values.includes(v!);
      case 'notin':
      case '!=':
        return !has || !r.values.includes(v!);
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        return r.op === 'gt' ? n > bound : n < bound;
      }
    }
  });
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export function parseFieldSelector(selector: string | null | undefined, supported: readonly string[]): FieldRequirement[] {
  if (!selector || selector.trim() === '') return [];
  return selector.split(',').map((raw) => {
    const m = raw.trim().match(/^([^=!]+?)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${raw}'`);
    const field = m[1]!.trim();
    if (!supported.includes(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, op: m[2] === '!=' ? '!=' : '=', value: m[3]! };
  });
}

/** Reads a dotted path (`spec.nodeName`) as kube-apiserver's field sets present it: a string. */
export function fieldValue(obj: Record<string, unknown>, field: string): string {
  let cur: unknown = obj;
  for (const seg of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : text(cur);
}

export function matchesFields(reqs: FieldRequirement[], obj: Record<string, unknown>): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === '='));
}
