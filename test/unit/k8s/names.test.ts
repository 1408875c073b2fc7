import { ValidationError } from '#shared/errors';
import { makeFieldError as fieldError } from '#shared/k8s/field-error';
import {
  assertValidFieldManager,
  assertValidLabels,
  assertValidName,
  dns1035LabelErrors,
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  labelValueErrors,
  nameErrors,
  qualifiedNameErrors,
  validateAnnotations,
  validateLabels,
} from '#shared/k8s/names';

describe('DNS names', () => {
  it.each([
    ['shop', true, true],
    ['a', true, true],
    ['kube-system', true, true],
    ['0abc', true, true],
    ['a.b', false, true],
    ['Shop', false, false],
    ['-shop', false, false],
    ['shop-', false, false],
    ['sh_op', false, false],
    ['', false, false],
    ['a'.repeat(63), true, true],
    ['a'.repeat(64), false, true],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, false, true],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, false, false],
  ])('%j: DNS-1123 label %s, subdomain %s', (name, label, subdomain) => {
    expect(isDns1123Label(name)).toBe(label);
    expect(isDns1123Subdomain(name)).toBe(subdomain);
  });

  it('words errors as kube-apiserver does', () => {
    expect(dns1123LabelErrors('a.b')).toEqual(['must not contain dots']);
    expect(dns1123LabelErrors('A')).toEqual([
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    expect(dns1123SubdomainErrors('x'.repeat(254))).toEqual(['must be no more than 253 characters']);
    // Go's len() counts bytes: 32 two-byte characters are over a 63 limit.
    expect(dns1123LabelErrors('é'.repeat(32))[0]).toBe('must be no more than 63 characters');
    expect(dns1035LabelErrors('1svc')).toEqual([
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });

  it('applies each resource\'s rule', () => {
    expect(nameErrors('services', '1svc')).toHaveLength(1);
    expect(nameErrors('pods', '1svc')).toEqual([]);
    expect(nameErrors('namespaces', 'a.b')).toEqual(['must not contain dots']);
    expect(nameErrors('pods', 'a.b')).toEqual([]);
    expect(nameErrors('pods', '')).toEqual(['must be non-empty']);
  });

  it('throws ValidationError with a stable reason', () => {
    expect(() => assertValidName('pods', 'checkout-0')).not.toThrow();
    const err = (() => {
      try {
        assertValidName('namespaces', '../kube-system');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ reason: 'invalid-k8s-name' });
    expect((err as Error).message).toMatch(/^namespaces name "..\/kube-system" is invalid: /);
  });
});

describe('labels', () => {
  it.each([
    ['app', true],
    ['app.kubernetes.io/name', true],
    ['boundwatch.io/quarantine', true],
    ['A_b.c-D', true],
    ['a/b/c', false],
    ['/name', false],
    ['Example.com/name', false],
    ['name-', false],
    ['a'.repeat(64), false],
    ['', false],
  ])('key %j valid: %s', (key, ok) => {
    expect(isQualifiedName(key)).toBe(ok);
  });

  it.each([
    ['', true],
    ['true', true],
    ['v1.2_3-x', true],
    ['no spaces', false],
    ['-lead', false],
    ['a'.repeat(64), false],
  ])('value %j valid: %s', (value, ok) => {
    expect(isValidLabelValue(value)).toBe(ok);
  });

  it('explains key problems part by part', () => {
    expect(qualifiedNameErrors('/x')).toEqual(['prefix part must be non-empty']);
    expect(qualifiedNameErrors(`${'a'.repeat(254)}/x`)).toEqual(['prefix part must be no more than 253 bytes']);
    expect(qualifiedNameErrors('a/b/c')[0]).toMatch(/^a valid label key must consist of/);
    expect(labelValueErrors('a'.repeat(64))).toEqual(['must be no more than 63 bytes']);
    expect(labelValueErrors('é'.repeat(32))[0]).toBe('must be no more than 63 bytes');
  });

  it('reports field errors at the label map, keyed by the bad key or value', () => {
    expect(validateLabels({ ok: 'fine', 'bad key': 'v', k: 'bad value' })).toEqual([
      expect.objectContaining({ field: 'metadata.labels', type: 'FieldValueInvalid', badValue: 'bad key' }),
      expect.objectContaining({ field: 'metadata.labels', type: 'FieldValueInvalid', badValue: 'bad value' }),
    ]);
    expect(() => assertValidLabels({ 'boundwatch.io/quarantine': 'true' })).not.toThrow();
    expect(() => assertValidLabels({ x: 'a b' })).toThrow(ValidationError);
  });

  it('checks annotation keys (lower-cased) and total size', () => {
    expect(validateAnnotations({ 'Example.com/Note': 'x' })).toEqual([]);
    expect(validateAnnotations({ 'a b': 'x' })).toHaveLength(1);
    expect(validateAnnotations({ big: 'x'.repeat(256 * 1024) })).toEqual([expect.objectContaining({ type: 'FieldValueTooLong' })]);
  });
});

describe('field errors', () => {
  it('formats like field.Error.Error()', () => {
    expect(fieldError('FieldValueInvalid', 'spec.port', 0, 'must be between 1 and 65535, inclusive').message).toBe('spec.port: Invalid value: 0: must be between 1 and 65535, inclusive');
    expect(fieldError('FieldValueRequired', 'metadata.name', undefined, 'name or generateName is required').message).toBe('metadata.name: Required value: name or generateName is required');
    expect(fieldError('FieldValueInvalid', 'metadata.name', 'X', 'bad').message).toBe('metadata.name: Invalid value: "X": bad');
  });

  it('limits field managers to 128 printable characters', () => {
    expect(() => assertValidFieldManager('boundwatch')).not.toThrow();
    expect(() => assertValidFieldManager('x'.repeat(129))).toThrow(ValidationError);
    expect(() => assertValidFieldManager('a\nb')).toThrow(ValidationError);
  });
});
