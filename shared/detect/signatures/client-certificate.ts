/**
 * A client certificate requested for the API server (Stratus create-client-certificate, Panther
 * ClientCertificate.Created): a credential that survives token revocation. Kubelet serving and
 * client certificates of the nodes themselves are exempt.
 */
import { csrOf } from '../../audit/request-object';
import { NONE, type AuditDetector } from '../types';
import { CREATE, ruleDraft, wrote } from './rule';

export const clientCertificate: AuditDetector = {
  id: 'client-certificate',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (ref?.resource !== 'certificatesigningrequests' || ref.subresource || !wrote(f, CREATE) || f.systemActor) return NONE;
    const csr = csrOf(f.event);
    const client = csr.signerName === 'kubernetes.io/kube-apiserver-client' || csr.usages.includes('client auth');
    if (!client || csr.signerName === 'kubernetes.io/kube-apiserver-client-kubelet') return NONE;
    return [
      ruleDraft(state, f, {
        type: 'ClientCertificateRequested',
        title: 'API client certificate requested',
        description: `${f.principal.key} created CertificateSigningRequest ${ref.name ?? ''} for an API-server client certificate (signer ${csr.signerName ?? 'unspecified'}).`,
        mitre: ['T1649', 'T1098'],
        score: f.principal.type === 'ServiceAccount' ? 65 : 60,
        pattern: 'client',
      }),
    ];
  },
};
