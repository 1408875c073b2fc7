/**
 * Roles created with dangerous rules (Falco's ClusterRole With Wildcard / Pod Exec / Write
 * Privileges; Panther's Role.Wildcard, Role.PodExec, Role.NodeProxyPermissions,
 * Role.WritePermissions; GuardDuty's RoleCreated is the anomaly form), and roles granting the
 * escalate, bind or impersonate verbs.
 */
import { roleRulesOf } from '../../audit/request-object';
import { NONE, type AuditDetector, type FindingDraft } from '../types';
import { CREATE, ruleDraft, wrote } from './rule';

const ROLES = new Set(['roles', 'clusterroles']);
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection', '*']);
const ESCALATION_VERBS = new Set(['escalate', 'bind', 'impersonate']);

export const permissiveRole: AuditDetector = {
  id: 'permissive-role',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (!ref?.resource || !ROLES.has(ref.resource) || ref.subresource || !wrote(f, CREATE) || f.systemActor) return NONE;
    const rules = roleRulesOf(f.event);
    if (rules.length === 0) return NONE;
    const has = (p: (r: (typeof rules)[number]) => boolean) => rules.some(p);
    const kind = ref.resource === 'clusterroles' ? 'ClusterRole' : 'Role';
    const name = ref.name ?? '';
    const out: FindingDraft[] = [];
    const add = (type: string, what: string, score: number, mitre: string[]) =>
      out.push(
        ruleDraft(state, f, {
          type,
          title: `${kind} created ${what}`,
          description: `${f.principal.key} created ${kind} ${name} ${what}.`,
          mitre,
          score,
          pattern: kind,
        }),
      );
    if (has((r) => r.resources.includes('*') || r.verbs.includes('*'))) add('WildcardRole', 'with wildcard resources or verbs', 60, ['T1098.006']);
    if (has((r) => r.resources.some((x) => x === 'nodes/proxy' || x === 'nodes/*' || x === '*'))) add('RoleWithNodeProxy', 'granting nodes/proxy (the kubelet API)', 60, ['T1611']);
    if (has((r) => r.resources.some((x) => x === 'pods/exec' || x === 'pods/*'))) add('RoleWithPodExec', 'granting pods/exec', 55, ['T1609']);
    // escalate, bind and impersonate are privilege escalation by design: grant any role, act as anyone.
    const escalation = [...new Set(rules.flatMap((r) => r.verbs.filter((v) => ESCALATION_VERBS.has(v))))].sort();
    if (escalation.length) add('RoleWithEscalationVerbs', `granting ${escalation.join(', ')}`, escalation.some((v) => v !== 'bind') ? 65 : 60, ['T1098.006', 'T1134']);
    if (has((r) => r.verbs.some((v) => WRITE_VERBS.has(v)))) add('RoleWithWritePermissions', 'with write permissions', 30, ['T1098']);
    return out.length ? out : NONE;
  },
};
