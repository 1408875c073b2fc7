/**
 * Label selectors (metav1.LabelSelector) as NetworkPolicy uses them: matchLabels and
 * matchExpressions are ANDed; `In` needs the key present with a listed value; `NotIn` matches
 * when the key is absent or its value is not listed; `{}` matches everything.
 */
import type { LabelSelector, LabelSelectorRequirement } from '#shared/netpol-api/types';

export type Labels = Readonly<Record<string, string>>;

function requirementMatches(req: LabelSelectorRequirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = has ? labels[req.key] : undefined;
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(value as string);
    case 'NotIn':
      return !has || !values.includes(value as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      // Unreachable for validated policies; an unknown operator selects nothing.
      return false;
  }
}

/** Whether `labels` satisfy the selector. */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  const ml = selector.matchLabels;
  if (ml) {
    // for..in without allocating: this runs pods × selectors times when compiling a model.
    for (const key in ml) {
      if (!Object.prototype.hasOwnProperty.call(ml, key)) continue;
      if (!Object.prototype.hasOwnProperty.call(labels, key) || labels[key] !== ml[key]) return false;
    }
  }
  if (selector.matchExpressions) {
    for (const req of selector.matchExpressions) if (!requirementMatches(req, labels)) return false;
  }
  return true;
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** kubectl-style text, e.g. `app=web,tier in (a,b),!legacy`; `{}` for the empty selector. */
export function selectorToString(selector: LabelSelector): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {}).sort(([a], [b]) => a.localeCompare(b))) parts.push(`${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    const vals = (req.values ?? []).join(',');
    if (req.operator === 'In') parts.push(`${req.key} in (${vals})`);
    else if (req.operator === 'NotIn') parts.push(`${req.key} notin (${vals})`);
    else if (req.operator === 'Exists') parts.push(req.key);
    else parts.push(`!${req.key}`);
  }
  return parts.length ? parts.join(',') : '{}';
}

/** A stable key for caching selector results (same selector text, same answer). */
export function selectorKey(selector: LabelSelector): string {
  const ml = Object.entries(selector.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const me = (selector.matchExpressions ?? []).map((r) => [r.key, r.operator, [...(r.values ?? [])].sort()]);
  return JSON.stringify([ml, me]);
}
