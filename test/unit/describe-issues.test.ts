import { z } from 'zod';
import { describeIssues } from '#shared/errors';

describe('describeIssues, the one zod issue formatter', () => {
  const issues = z.object({ a: z.string(), b: z.object({ c: z.number() }), d: z.boolean() }).safeParse({ b: {} });
  if (issues.success) throw new Error('expected a failure');

  it('words every issue as path: message, the value itself as (root)', () => {
    expect(describeIssues(issues.error.issues)).toMatch(/^a: .+; b\.c: .+; d: .+$/);
    const root = z.string().safeParse(1);
    expect(root.success ? '' : describeIssues(root.error.issues)).toMatch(/^\(root\): /);
  });

  it('bounds the text to the first issues and says how many more there are', () => {
    expect(describeIssues(issues.error.issues, 1)).toMatch(/^a: [^;]+ \(and 2 more\)$/);
    expect(describeIssues(issues.error.issues, 3)).toBe(describeIssues(issues.error.issues));
  });
});
