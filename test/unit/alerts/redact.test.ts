import { REDACTED, redactSecrets } from '#shared/alerts/redact';

describe('redactSecrets', () => {
  it.each([
    ['a JWT', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJl'],
    ['a bearer token', 'Bearer abcdef0123456789ABCDEF'],
    ['an access key id', 'ASIAY34FZKBOKMUTVV7A'],
    ['a secret access key', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ['a bootstrap token', '07401b.f395accd246ae52d'],
    ['a PEM block', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----'],
    ['a random opaque token', 'Zx8Kq2LmN4pR7sT1vW3yA5bC9dE0fG6hJ'],
  ])('redacts %s', (_, secret) => {
    const out = redactSecrets(`before ${secret} after`);

    expect(out).toBe(`before ${REDACTED} after`);
  });

  it.each([
    ['key=value', 'https://x/?token=abc123&x=1', 'https://x/?token=[redacted]&x=1'],
    ['JSON', '{"client_secret": "s3cr3t"}', '{"client_secret": "[redacted]"}'],
  ])('keeps the key of a %s secret', (_, input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it.each([
    ['audit ids (UUIDs)', '7f3c9e2a-1b4d-4e8f-9a6c-2d5e8f1a3b7c'],
    ['role ARNs', 'arn:aws:iam::111122223333:role/AmazonEKSClusterAdminPolicyForPlatformTeam2024'],
    ['SSO role ARNs', 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789'],
    ['service accounts', 'system:serviceaccount:kube-system:aws-load-balancer-controller'],
    ['image digests', 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
    ['secret names in prose', 'read secret: shop/db-password'],
  ])('leaves %s alone', (_, text) => {
    expect(redactSecrets(text)).toBe(text);
  });
});
