/**
 * Alerts leave the account (email, HTTPS endpoints, pagers), so every free-text value that goes
 * into one passes through `redactSecrets`. Events should never carry secrets (shared/events/README.md#behavior-anomaly),
 * but a description or user agent built from attacker-controlled input might; this is the
 * last line. It errs towards redacting: a responder can always look the value up in the logs.
 */

export const REDACTED = '[redacted]';

const PATTERNS: ReadonlyArray<RegExp> = [
  // JSON Web Tokens: Kubernetes service account tokens, OIDC id tokens.
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  // Authorization header values.
  /\bBearer\s+[A-Za-z0-9._~+/=-]{16,}/gi,
  // AWS access key ids (long-term AKIA, temporary ASIA).
  /\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g,
  // Kubernetes bootstrap tokens: [a-z0-9]{6}.[a-z0-9]{16}.
  /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g,
  // key=value (query strings, env) and "key": "value" (JSON) where the key names a secret. A
  // prose "secret: shop/db" is left alone: secret *names* are what a responder needs.
  /\b(password|passwd|secret|token|api[_-]?key|access[_-]?key|secret[_-]?access[_-]?key|session[_-]?token|client[_-]?secret)(=|"\s*:\s*")([^\s"&,;]+)/gi,
  // PEM blocks (private keys, certificates).
  /-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g,
];

/**
 * Long random-looking runs (AWS secret access keys, opaque tokens): 32+ characters of the
 * base64 alphabet mixing upper and lower case and switching character class (upper, lower,
 * digit, symbol) at least 36% of the time. Random base64 switches about 60% of the time;
 * CamelCase role and policy names about 30%; `-`, `_`, `:` and `.` end a run, so ARNs, UUIDs
 * (audit ids) and hyphenated names never form one, and hex digests have no upper case.
 */
const OPAQUE_RUN = /[A-Za-z0-9+/=]{32,}/g;
function charClass(c: string): number {
  if (c >= 'A' && c <= 'Z') return 0;
  if (c >= 'a' && c <= 'z') return 1;
  if (c >= '0' && c <= '9') return 2;
  return 3;
}
function looksRandom(run: string): boolean {
  if (!/[A-Z]/.test(run) || !/[a-z]/.test(run)) return false;
  let switches = 0;
  for (let i = 1; i < run.length; i++) if (charClass(run[i] as string) !== charClass(run[i - 1] as string)) switches++;
  return switches / (run.length - 1) >= 0.36;
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const p of PATTERNS) {
    out = out.replace(p, (match, ...groups: unknown[]) => {
      // Keep the key of a key=value pair so the reader knows what was there.
      if (typeof groups[0] === 'string' && typeof groups[1] === 'string' && /[=:]/.test(groups[1])) {
        return `${groups[0]}${groups[1]}${REDACTED}`;
      }
      return REDACTED;
    });
  }
  return out.replace(OPAQUE_RUN, (run) => (looksRandom(run) ? REDACTED : run));
}
