import { validateNetworkPolicy } from '#shared/netpol/validate';
import { upstreamValidationCases } from '#test/support/netpol-golden';

// The corpus is transcribed from upstream's own validation tests: the validator must agree with
// it error for error (type, field path and message), in kube-apiserver's order.
describe('NetworkPolicy validator against the upstream corpus', () => {
  const cases = upstreamValidationCases();

  it('holds upstream\'s 17 success cases and its error cases', () => {
    expect(cases.filter((c) => c.status === 201)).toHaveLength(17);
    expect(cases.filter((c) => c.status === 422).length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = validateNetworkPolicy(c.policy, { eks: false });
    expect(result.malformed).toBe(false);
    const got = result.errors.map((e) => ({ reason: e.type, field: e.field, message: e.message.slice(e.field.length + 2) }));
    const want = c.status === 201 ? [] : c.body.details.causes.map(({ reason, field, message }) => ({ reason, field, message }));
    expect(got).toEqual(want);
  });
});
