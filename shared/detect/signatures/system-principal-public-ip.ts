/**
 * A platform identity (control plane, kubelet, kube-system service account) acting from the
 * internet (Panther's System.Principal.PublicIP and SystemNamespaceFromPublicIP). EKS-managed
 * `eks:*` users legitimately call from AWS ranges; the nodes' own NAT networks and configured
 * trusted ranges are not "the internet".
 */
import { isSystemPrincipal } from '../../audit/actor';
import { fromPublicNetwork } from '../judge';
import { NONE, type AuditDetector } from '../types';
import { explicitlySucceeded, ruleDraft } from './rule';

export const systemPrincipalPublicIp: AuditDetector = {
  id: 'system-principal-public-ip',
  kind: 'signature',
  detect(f, state) {
    const username = f.event.user.username;
    if (username.startsWith('eks:') || !isSystemPrincipal(username)) return NONE;
    if (!explicitlySucceeded(f) || !fromPublicNetwork(f, state)) return NONE;
    return [
      ruleDraft(state, f, {
        type: 'SystemPrincipalFromPublicIP',
        title: 'Platform identity used from the internet',
        description: `${username} made ${f.behavior.key} from ${f.features.sourceIP}, a public address outside the cluster's networks: its credentials are being used off the cluster.`,
        mitre: ['T1078.004', 'T1550.001'],
        score: 70,
        subject: f.sourceNet.net,
        pattern: false,
      }),
    ];
  },
};
