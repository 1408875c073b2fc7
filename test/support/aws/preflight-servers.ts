/**
 * Local endpoints for `boundwatch preflight`, each speaking its service's real protocol so the
 * real SDK clients run end to end:
 * - STS GetCallerIdentity (AWS Query: form POST, XML answer);
 * - CloudWatch Logs DescribeLogGroups / DescribeSubscriptionFilters (JSON 1.1, X-Amz-Target);
 * - EKS DescribeCluster (GET /clusters/{name}) and DescribeAddon
 *   (GET /clusters/{name}/addons/{addon}) (REST-JSON).
 */
import { EndpointError, json, restJsonFault, startAwsEndpoint, type AwsEndpoint, type AwsFault, type Reply } from './http';

export async function startLocalSts(account: string, arn: string): Promise<AwsEndpoint> {
  return startAwsEndpoint(
    ({ body }) => {
      const action = new URLSearchParams(body).get('Action') ?? 'unknown';
      return {
        operation: action,
        reply: (): Reply => {
          if (action !== 'GetCallerIdentity') throw new EndpointError({ status: 400, code: 'InvalidAction', message: action });
          return {
            status: 200,
            headers: { 'Content-Type': 'text/xml' },
            body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AIDAEXAMPLE</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
          };
        },
      };
    },
    (f: AwsFault) => ({
      status: f.status,
      headers: { 'Content-Type': 'text/xml' },
      body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${f.code}</Code><Message>${f.message ?? f.code}</Message></Error><RequestId>local</RequestId></ErrorResponse>`,
    }),
  );
}

export interface LocalLogs extends AwsEndpoint {
  addLogGroup(name: string, filters?: Array<{ filterName: string; destinationArn: string }>): void;
}

export async function startLocalLogs(): Promise<LocalLogs> {
  const groups = new Map<string, Array<{ filterName: string; destinationArn: string }>>();
  const endpoint = await startAwsEndpoint(
    ({ headers, body }) => {
      const target = String(headers['x-amz-target'] ?? '');
      const operation = target.split('.')[1] ?? 'unknown';
      return {
        operation,
        reply: () => {
          const req = JSON.parse(body || '{}') as { logGroupNamePrefix?: string; logGroupName?: string };
          if (operation === 'DescribeLogGroups') {
            const names = [...groups.keys()].filter((n) => n.startsWith(req.logGroupNamePrefix ?? '')).sort();
            return json(200, { logGroups: names.map((logGroupName) => ({ logGroupName, arn: `arn:aws:logs:us-east-1:111122223333:log-group:${logGroupName}:*` })) });
          }
          if (operation === 'DescribeSubscriptionFilters') {
            const g = groups.get(req.logGroupName ?? '');
            if (!g) throw new EndpointError({ status: 400, code: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });
            return json(200, { subscriptionFilters: g.map((f) => ({ ...f, logGroupName: req.logGroupName, filterPattern: '' })) });
          }
          throw new EndpointError({ status: 400, code: 'UnknownOperationException', message: operation });
        },
      };
    },
    (f) => ({ status: f.status, headers: { 'Content-Type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ __type: f.code, message: f.message ?? f.code }) }),
  );
  return { ...endpoint, addLogGroup: (name, filters = []) => groups.set(name, filters) };
}

export interface ClusterDescription {
  version?: string;
  authenticationMode?: string;
  endpointPublicAccess?: boolean;
  endpointPrivateAccess?: boolean;
  publicAccessCidrs?: string[];
  auditLogging?: boolean;
  vpcCni?: { version: string; configurationValues?: string };
}

export interface LocalEksDescribe extends AwsEndpoint {
  addCluster(name: string, d: ClusterDescription): void;
}

export async function startLocalEksDescribe(): Promise<LocalEksDescribe> {
  const clusters = new Map<string, ClusterDescription>();
  const endpoint = await startAwsEndpoint(({ method, path }) => {
    const m = /^\/clusters\/([^/]+)(?:\/addons\/([^/]+))?$/.exec(path);
    const operation = method !== 'GET' || !m ? 'unknown' : m[2] ? 'DescribeAddon' : 'DescribeCluster';
    return {
      operation,
      reply: () => {
        if (!m || operation === 'unknown') throw new EndpointError({ status: 404, code: 'NotFoundException', message: 'no such route' });
        const name = decodeURIComponent(m[1]!);
        const c = clusters.get(name);
        if (!c) throw new EndpointError({ status: 404, code: 'ResourceNotFoundException', message: `No cluster found for name: ${name}.` });
        if (operation === 'DescribeAddon') {
          if (!c.vpcCni) throw new EndpointError({ status: 404, code: 'ResourceNotFoundException', message: `No addon: ${m[2]} found in cluster: ${name}` });
          return json(200, { addon: { addonName: 'vpc-cni', clusterName: name, status: 'ACTIVE', addonVersion: c.vpcCni.version, ...(c.vpcCni.configurationValues ? { configurationValues: c.vpcCni.configurationValues } : {}) } });
        }
        return json(200, {
          cluster: {
            name, status: 'ACTIVE', version: c.version ?? '1.33',
            accessConfig: { authenticationMode: c.authenticationMode ?? 'API_AND_CONFIG_MAP' },
            resourcesVpcConfig: { vpcId: 'vpc-0abc', endpointPublicAccess: c.endpointPublicAccess ?? true, endpointPrivateAccess: c.endpointPrivateAccess ?? false, publicAccessCidrs: c.publicAccessCidrs ?? ['0.0.0.0/0'] },
            logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator'], enabled: c.auditLogging ?? true }] },
          },
        });
      },
    };
  }, restJsonFault('message'));
  return { ...endpoint, addCluster: (name, d) => clusters.set(name, d) };
}
