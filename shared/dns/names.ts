/**
 * What the DNS detectors measure on a query name: its registrable domain (the part a person
 * registers and therefore controls every subdomain of), the labels left of it, and their
 * Shannon entropy. Pure; names arrive normalized (lower case, no trailing dot) from
 * resolver-log.ts.
 *
 * The registrable domain is approximated without the full public suffix list: the last two
 * labels, or three where the second-level label is a common registry suffix under a
 * two-letter country code (`example.co.uk`) or a listed multi-label suffix. Approximation
 * errors only merge or split domains of one registrant, never hide a long or random label.
 */
const COUNTRY_SLDS = new Set(['co', 'com', 'net', 'org', 'gov', 'ac', 'edu', 'ne', 'or', 'go', 'gob', 'mil']);
const MULTI_LABEL_SUFFIXES = ['amazonaws.com.cn', 'com.cn'];

export function registrableDomain(name: string): string {
  const labels = name.split('.');
  if (labels.length <= 2) return name;
  for (const s of MULTI_LABEL_SUFFIXES) {
    if (name.endsWith(`.${s}`)) {
      const n = s.split('.').length + 1;
      return labels.slice(-n).join('.');
    }
  }
  const tld = labels[labels.length - 1] as string;
  const sld = labels[labels.length - 2] as string;
  return tld.length === 2 && COUNTRY_SLDS.has(sld) ? labels.slice(-3).join('.') : labels.slice(-2).join('.');
}

/** The labels left of the registrable domain, joined by dots ('' for the domain itself). */
export function subdomainOf(name: string, domain = registrableDomain(name)): string {
  return name.length > domain.length ? name.slice(0, name.length - domain.length - 1) : '';
}

/** Shannon entropy in bits per character (dots excluded: they separate, they carry nothing). */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  let n = 0;
  for (const c of text) {
    if (c === '.') continue;
    counts.set(c, (counts.get(c) ?? 0) + 1);
    n += 1;
  }
  let h = 0;
  for (const k of counts.values()) {
    const p = k / n;
    h -= p * Math.log2(p);
  }
  return h;
}

export function longestLabel(name: string): number {
  return name.split('.').reduce((m, l) => Math.max(m, l.length), 0);
}

/** True when `name` is `suffix` or lies under it. */
export function underSuffix(name: string, suffix: string): boolean {
  return name === suffix || name.endsWith(`.${suffix}`);
}
