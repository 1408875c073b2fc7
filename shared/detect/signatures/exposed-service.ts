/**
 * Services and ingresses that expose the cluster: a dashboard behind a LoadBalancer (GuardDuty
 * ExposedDashboard / KubeflowDashboardExposed), NodePort services (Falco, Panther) and ingresses
 * without TLS (Falco, Panther).
 */
import { isSystemNamespace } from '../../audit/actor';
import { ingressHasTls, serviceIdentity, serviceTypeOf } from '../../audit/request-object';
import { NONE, type AuditDetector } from '../types';
import { CREATE, WRITE, isCreation, ruleDraft, wrote } from './rule';

const DASHBOARD = /kubernetes-dashboard|k8s-dashboard|centraldashboard|kubeflow/;

export const exposedService: AuditDetector = {
  id: 'exposed-service',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (!ref || ref.subresource) return NONE;
    const where = `${ref.namespace ?? ''}/${ref.name ?? ''}`;
    if (ref.resource === 'services' && wrote(f, WRITE)) {
      const type = serviceTypeOf(f.event);
      if (type === 'LoadBalancer') {
        const id = serviceIdentity(f.event).find((s) => DASHBOARD.test(s));
        if (id) {
          const kubeflow = /kubeflow|centraldashboard/.test(id);
          return [
            ruleDraft(state, f, {
              type: 'ExposedDashboard',
              title: `${kubeflow ? 'Kubeflow' : 'Kubernetes'} dashboard exposed by a LoadBalancer`,
              description: `${f.principal.key} made Service ${where} of type LoadBalancer for the ${kubeflow ? 'Kubeflow' : 'Kubernetes'} dashboard: a cluster console reachable from outside the cluster.`,
              mitre: ['T1133'],
              score: 60,
              pattern: false,
            }),
          ];
        }
      }
      if (type === 'NodePort' && isCreation(f.event)) {
        return [
          ruleDraft(state, f, {
            type: 'NodePortService',
            title: `NodePort service ${where} created`,
            description: `${f.principal.key} created Service ${where} of type NodePort: reachable on every node's address, bypassing load balancers and ingress controls.`,
            mitre: ['T1133'],
            score: 30,
            pattern: ref.namespace ?? '',
          }),
        ];
      }
      return NONE;
    }
    if (ref.resource === 'ingresses' && wrote(f, CREATE) && !isSystemNamespace(ref.namespace) && f.event.requestObject !== undefined && !ingressHasTls(f.event)) {
      return [
        ruleDraft(state, f, {
          type: 'IngressWithoutTLS',
          title: `Ingress ${where} without TLS`,
          description: `${f.principal.key} created Ingress ${where} without a TLS section: traffic to it travels unencrypted.`,
          mitre: ['T1040'],
          score: 25,
          pattern: ref.namespace ?? '',
        }),
      ];
    }
    return NONE;
  },
};
