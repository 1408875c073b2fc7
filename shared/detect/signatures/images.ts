/**
 * Image patterns (`*` matches any run of characters) as operators write them in allow-lists,
 * matched against the image repository (tag and digest removed), as Falco's lists are.
 */
import { imageRepo } from '../../audit/request-object';
import { DEFAULT_TRUSTED_IMAGES, type DetectionConfig } from '../config';

const compiled = new WeakMap<readonly string[], RegExp>();

function toRegExp(patterns: readonly string[]): RegExp {
  let re = compiled.get(patterns);
  if (!re) {
    const body = patterns.map((p) => p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')).join('|');
    re = new RegExp(`^(?:${body || '(?!)'})$`);
    compiled.set(patterns, re);
  }
  return re;
}

export function imageMatches(image: string | undefined, patterns: readonly string[]): boolean {
  if (!image) return false;
  const re = toRegExp(patterns);
  return re.test(imageRepo(image)) || re.test(image);
}

export function trustedImages(cfg: DetectionConfig): readonly string[] {
  return cfg.trustedImages ?? DEFAULT_TRUSTED_IMAGES;
}

export function isTrustedImage(image: string | undefined, cfg: DetectionConfig): boolean {
  return imageMatches(image, trustedImages(cfg));
}
