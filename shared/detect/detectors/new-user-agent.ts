/**
 * A client (user-agent family) the principal never used. Workloads talk to the API with one
 * client for their whole life, so a service account suddenly speaking kubectl is a stolen
 * token; people try tools, so for them it is context only.
 */
import { explain } from '../explain';
import { isEstablished } from '../judge';
import { NONE, type AuditDetector } from '../types';

export const newUserAgent: AuditDetector = {
  id: 'new-user-agent',
  kind: 'baseline',
  detect(f, state) {
    if (!state.baseline || f.principal.type === 'Anonymous') return NONE;
    const family = f.userAgentFamily;
    if (family === 'unknown' || isEstablished(state, 'userAgents', family, f.timeMs)) return NONE;
    const type = f.principal.type;
    const score = f.human ? 20 : type === 'ServiceAccount' ? 45 : type === 'Node' ? 40 : 30;
    return [
      {
        type: 'NewUserAgentFamily',
        title: `New client: ${family}`,
        description: `${f.principal.key} used a client (${family}) it never used before.`,
        mitre: ['T1078'],
        score,
        subject: `ua:${family}`,
        baseline: () => explain(state, f, { agents: true }),
      },
    ];
  },
};
