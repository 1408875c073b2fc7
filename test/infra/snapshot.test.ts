import { functionConfigFor } from '#shared/config';
import { loadConfig } from '#infra/aws/config';
import { defaultConfig, synthConfig } from './support';

/**
 * Asset hashes change with every code change, and BOUNDWATCH_CONFIG with every new detector
 * default (its content is asserted below and in cluster.test.ts): the snapshot guards the
 * template's shape, which is what a platform team reviews and deploys.
 */
function mask(value: unknown, expectedConfig: string): unknown {
  if (typeof value === 'string') return value.replace(/[0-9a-f]{64}/g, '<asset-hash>');
  if (Array.isArray(value)) return value.map((v) => mask(v, expectedConfig));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        if (k === 'BOUNDWATCH_CONFIG') {
          expect(v).toBe(expectedConfig);
          return [k, '<functionConfigFor(config, cluster)>'];
        }
        return [k, mask(v, expectedConfig)];
      }),
    );
  }
  return value;
}

describe('default template', () => {
  it('matches the snapshot (review changes: they are what a platform team deploys)', () => {
    const config = loadConfig({ tryGetContext: (k) => (k === 'boundwatch' ? defaultConfig() : undefined) });
    const { root, nested } = synthConfig(defaultConfig());
    const expected = JSON.stringify(functionConfigFor(config, 'replace-me'));

    // As CloudFormation receives them: the core stack, and the cluster's nested stack.
    expect(mask(root.toJSON(), expected)).toMatchSnapshot('core stack');
    expect(mask(nested['replace-me']!.toJSON(), expected)).toMatchSnapshot('nested stack of cluster replace-me');
  });
});
