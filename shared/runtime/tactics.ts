/**
 * MITRE ATT&CK tactics of the signals that make up attack sequences. Anomalies name techniques
 * (`T1552.007`), Falco rules carry `mitre_<tactic>` tags, GuardDuty finding types start with a
 * threat purpose (`Execution:Runtime/ReverseShell`); all are brought to one tactic vocabulary so
 * that a sequence can count the distinct tactics it reached.
 */

export const TACTIC_ORDER = [
  'Reconnaissance',
  'InitialAccess',
  'Execution',
  'Persistence',
  'PrivilegeEscalation',
  'DefenseEvasion',
  'CredentialAccess',
  'Discovery',
  'LateralMovement',
  'Collection',
  'CommandAndControl',
  'Exfiltration',
  'Impact',
] as const;
export type AttackTactic = (typeof TACTIC_ORDER)[number];

/**
 * The tactic each technique we emit or receive is filed under first. Techniques that ATT&CK
 * files under several tactics take the one that describes how boundwatch sees them (a stolen
 * token used elsewhere, T1550, is lateral movement; a deployed container, T1610, execution).
 */
const TECHNIQUE_TACTIC: Record<string, AttackTactic> = {
  T1003: 'CredentialAccess',
  T1005: 'Collection',
  T1021: 'LateralMovement',
  T1036: 'DefenseEvasion',
  T1040: 'CredentialAccess',
  T1041: 'Exfiltration',
  T1046: 'Discovery',
  T1048: 'Exfiltration',
  T1053: 'Persistence',
  T1059: 'Execution',
  T1068: 'PrivilegeEscalation',
  T1069: 'Discovery',
  T1070: 'DefenseEvasion',
  T1071: 'CommandAndControl',
  T1078: 'InitialAccess',
  T1082: 'Discovery',
  T1083: 'Discovery',
  T1090: 'CommandAndControl',
  T1095: 'CommandAndControl',
  T1098: 'Persistence',
  T1105: 'CommandAndControl',
  T1133: 'InitialAccess',
  T1136: 'Persistence',
  T1190: 'InitialAccess',
  T1203: 'Execution',
  T1222: 'DefenseEvasion',
  T1485: 'Impact',
  T1496: 'Impact',
  T1528: 'CredentialAccess',
  T1543: 'Persistence',
  T1546: 'Persistence',
  T1550: 'LateralMovement',
  T1552: 'CredentialAccess',
  T1555: 'CredentialAccess',
  T1557: 'CredentialAccess',
  T1562: 'DefenseEvasion',
  T1570: 'LateralMovement',
  T1572: 'CommandAndControl',
  T1578: 'DefenseEvasion',
  T1595: 'Reconnaissance',
  T1609: 'Execution',
  T1610: 'Execution',
  T1611: 'PrivilegeEscalation',
  T1613: 'Discovery',
  T1649: 'CredentialAccess',
};

const TECHNIQUE = /^T\d{4}(\.\d{3})?$/;

export function isTechnique(s: string): boolean {
  return TECHNIQUE.test(s);
}

export function tacticOfTechnique(technique: string): AttackTactic | undefined {
  return TECHNIQUE_TACTIC[technique.split('.')[0] ?? ''];
}

/** Falco's tags: `mitre_execution`, `mitre_privilege_escalation`, ... */
export function tacticOfFalcoTag(tag: string): AttackTactic | undefined {
  if (!tag.startsWith('mitre_')) return undefined;
  const words = tag.slice('mitre_'.length).split('_');
  const name = words.map((w) => (w === 'and' ? 'And' : w.charAt(0).toUpperCase() + w.slice(1))).join('');
  return (TACTIC_ORDER as readonly string[]).includes(name) ? (name as AttackTactic) : undefined;
}

/**
 * GuardDuty's threat purposes (the part of a finding type before the colon). Backdoor and
 * Trojan findings are command-and-control traffic; CryptoCurrency findings mining (impact);
 * UnauthorizedAccess a way in. Policy and Stealth findings map to what they evade.
 */
const GUARDDUTY_PURPOSE: Record<string, AttackTactic> = {
  Backdoor: 'CommandAndControl',
  CredentialAccess: 'CredentialAccess',
  CryptoCurrency: 'Impact',
  DefenseEvasion: 'DefenseEvasion',
  Discovery: 'Discovery',
  Execution: 'Execution',
  Exfiltration: 'Exfiltration',
  Impact: 'Impact',
  InitialAccess: 'InitialAccess',
  Persistence: 'Persistence',
  Policy: 'DefenseEvasion',
  PrivilegeEscalation: 'PrivilegeEscalation',
  Recon: 'Reconnaissance',
  Stealth: 'DefenseEvasion',
  Trojan: 'CommandAndControl',
  UnauthorizedAccess: 'InitialAccess',
};

export function tacticOfGuardDutyType(findingType: string): AttackTactic | undefined {
  return GUARDDUTY_PURPOSE[findingType.split(':')[0] ?? ''];
}

/** Distinct tactics in ATT&CK's kill-chain order (stable output for equal inputs). */
export function orderedTactics(tactics: Iterable<string>): string[] {
  const set = new Set(tactics);
  const known = TACTIC_ORDER.filter((t) => set.has(t));
  const other = [...set].filter((t) => !(TACTIC_ORDER as readonly string[]).includes(t)).sort();
  return [...known, ...other];
}
