/**
 * A local EKS endpoint for access-policy associations, speaking REST-JSON as
 * @aws-sdk/client-eks does:
 *   GET    /clusters/{cluster}/access-entries/{principalArn}/access-policies          ListAssociatedAccessPolicies
 *   POST   /clusters/{cluster}/access-entries/{principalArn}/access-policies          AssociateAccessPolicy
 *   DELETE /clusters/{cluster}/access-entries/{principalArn}/access-policies/{policy} DisassociateAccessPolicy
 * Unknown clusters and principals without an access entry answer ResourceNotFoundException.
 */
import { EndpointError, json, restJsonFault, startAwsEndpoint, type AwsEndpoint } from './http';

export interface AccessScope {
  type: 'cluster' | 'namespace';
  namespaces?: string[];
}

export interface LocalEks extends AwsEndpoint {
  /** Creates an access entry (and the cluster) with these associated policies. */
  addAccessEntry(cluster: string, principalArn: string, policies?: Array<{ policyArn: string; accessScope: AccessScope }>): void;
  associated(cluster: string, principalArn: string): Array<{ policyArn: string; accessScope: AccessScope }> | undefined;
}

const PATH = /^\/clusters\/([^/]+)\/access-entries\/([^/]+)\/access-policies(?:\/([^/]+))?$/;

export async function startLocalEks(): Promise<LocalEks> {
  // cluster -> principalArn -> policyArn -> scope
  const clusters = new Map<string, Map<string, Map<string, AccessScope>>>();
  const entry = (cluster: string, principal: string) => {
    const c = clusters.get(cluster);
    if (!c) throw new EndpointError({ status: 404, code: 'ResourceNotFoundException', message: `No cluster found for name: ${cluster}.` });
    const e = c.get(principal);
    if (!e) throw new EndpointError({ status: 404, code: 'ResourceNotFoundException', message: `The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.` });
    return e;
  };
  const endpoint = await startAwsEndpoint(({ method, path, body }) => {
    const m = PATH.exec(path);
    const operation = !m ? 'unknown' : method === 'GET' ? 'ListAssociatedAccessPolicies' : method === 'POST' ? 'AssociateAccessPolicy' : method === 'DELETE' ? 'DisassociateAccessPolicy' : 'unknown';
    return {
      operation,
      reply: () => {
        if (!m || operation === 'unknown') throw new EndpointError({ status: 404, code: 'NotFoundException', message: 'no such route' });
        const cluster = decodeURIComponent(m[1]!);
        const principal = decodeURIComponent(m[2]!);
        const e = entry(cluster, principal);
        const view = (policyArn: string, scope: AccessScope) => ({ policyArn, accessScope: { type: scope.type, namespaces: scope.namespaces ?? [] }, associatedAt: 1_700_000_000, modifiedAt: 1_700_000_000 });
        if (operation === 'ListAssociatedAccessPolicies') {
          return json(200, { clusterName: cluster, principalArn: principal, associatedAccessPolicies: [...e.entries()].map(([arn, s]) => view(arn, s)) });
        }
        if (operation === 'AssociateAccessPolicy') {
          const req = JSON.parse(body || '{}') as { policyArn?: string; accessScope?: AccessScope };
          if (!req.policyArn || !req.accessScope?.type) throw new EndpointError({ status: 400, code: 'InvalidParameterException', message: 'policyArn and accessScope are required' });
          if (req.accessScope.type === 'namespace' && !req.accessScope.namespaces?.length) throw new EndpointError({ status: 400, code: 'InvalidParameterException', message: 'namespaces are required for a namespace scope' });
          e.set(req.policyArn, { type: req.accessScope.type, ...(req.accessScope.type === 'namespace' ? { namespaces: req.accessScope.namespaces } : {}) });
          return json(200, { clusterName: cluster, principalArn: principal, associatedAccessPolicy: view(req.policyArn, e.get(req.policyArn)!) });
        }
        const policyArn = decodeURIComponent(m[3] ?? '');
        if (!e.delete(policyArn)) throw new EndpointError({ status: 404, code: 'ResourceNotFoundException', message: `policy ${policyArn} is not associated` });
        return json(200, {});
      },
    };
  }, restJsonFault('message'));
  return {
    ...endpoint,
    addAccessEntry(cluster, principalArn, policies = []) {
      const c = clusters.get(cluster) ?? new Map<string, Map<string, AccessScope>>();
      clusters.set(cluster, c);
      c.set(principalArn, new Map(policies.map((p) => [p.policyArn, p.accessScope])));
    },
    associated(cluster, principalArn) {
      const e = clusters.get(cluster)?.get(principalArn);
      return e ? [...e.entries()].map(([policyArn, accessScope]) => ({ policyArn, accessScope })) : undefined;
    },
  };
}
