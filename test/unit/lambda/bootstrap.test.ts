import { ConfigError } from '#shared/errors';
import { functionEnv, lazyHandler } from '#shared/lambda/bootstrap';

const config = JSON.stringify({ cluster: { name: 'prod-a', auditLogGroup: '/aws/eks/prod-a/cluster' } });

describe('functionEnv: how every function starts', () => {
  it('reads BOUNDWATCH_CONFIG once and names the cluster from CLUSTER_NAME first', () => {
    const vars: NodeJS.ProcessEnv = { BOUNDWATCH_CONFIG: config, AWS_REGION: 'eu-west-1' };
    const fe = functionEnv(vars);
    expect(fe.config().cluster.name).toBe('prod-a');
    vars.BOUNDWATCH_CONFIG = '{not json';
    // Read at first use and kept: a later change of the variable does not re-parse.
    expect(fe.config().cluster.name).toBe('prod-a');
    expect(functionEnv({ BOUNDWATCH_CONFIG: config, CLUSTER_NAME: 'named' }).cluster()).toBe('named');
  });

  it('fails a cold start with the variable it misses or cannot read', () => {
    expect(() => functionEnv({}).config()).toThrow(new ConfigError('Environment variable BOUNDWATCH_CONFIG is required'));
    expect(() => functionEnv({ BOUNDWATCH_CONFIG: '{}' }).config()).toThrow(/BOUNDWATCH_CONFIG: .*cluster/);
    expect(() => functionEnv({}).tableName()).toThrow(new ConfigError('Environment variable TABLE_NAME is required'));
  });

  it('builds each client once per container, in the function\'s region, local endpoints included', async () => {
    const fe = functionEnv({ AWS_REGION: 'eu-west-1', DYNAMODB_ENDPOINT: 'http://127.0.0.1:1', EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:2' });
    expect(fe.dynamo()).toBe(fe.dynamo());
    expect(fe.eventBridge()).toBe(fe.eventBridge());
    expect(fe.iam()).toBe(fe.iam());
    expect(await fe.dynamo().config.region()).toBe('eu-west-1');
    expect(await fe.sns().config.region()).toBe('eu-west-1');
    const endpoint = await fe.eventBridge().config.endpoint?.();
    expect(endpoint?.hostname).toBe('127.0.0.1');
    expect(endpoint?.port).toBe(2);
  });
});

describe('lazyHandler', () => {
  it('builds the handler on the first invocation only', async () => {
    let built = 0;
    const handler = lazyHandler(() => {
      built += 1;
      return (event: number) => Promise.resolve(event * 2);
    });
    expect(built).toBe(0);
    expect(await handler(2, undefined)).toBe(4);
    expect(await handler(3, undefined)).toBe(6);
    expect(built).toBe(1);
  });
});
