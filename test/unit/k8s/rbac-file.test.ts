import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderRbacYaml } from '#shared/k8s/rbac';

// The file users `kubectl apply` must be exactly what the code (and the CDK access entries) define.
it('infra/k8s/boundwatch-rbac.yaml is the rendered RBAC of shared/k8s/rbac.ts', () => {
  const file = readFileSync(join(__dirname, '..', '..', '..', 'infra', 'k8s', 'boundwatch-rbac.yaml'), 'utf8');
  expect(file).toBe(renderRbacYaml());
});
