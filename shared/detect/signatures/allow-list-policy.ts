/**
 * Opt-in allow-lists, Falco's Disallowed K8s User / Create Disallowed Pod / Create Disallowed
 * Namespace: on only when the operator gives the list (`allowedUsers`, `allowedImages`,
 * `allowedNamespaces`). Platform identities are never "disallowed users".
 */
import { isSystemPrincipal } from '../../audit/actor';
import { imageRepo, podSpecOf } from '../../audit/request-object';
import { NONE, type AuditDetector, type FindingDraft } from '../types';
import { imageMatches } from './images';
import { CREATE, ruleDraft, wrote } from './rule';

export const allowListPolicy: AuditDetector = {
  id: 'allow-list-policy',
  kind: 'signature',
  detect(f, state) {
    const cfg = state.config;
    const out: FindingDraft[] = [];
    const username = f.event.user.username;
    if (cfg.allowedUsers && !isSystemPrincipal(username) && f.principal.type !== 'Anonymous' && !imageMatches(username, cfg.allowedUsers)) {
      out.push(
        ruleDraft(state, f, {
          type: 'DisallowedUser',
          title: `Request by ${username}, who is not on the allowed-users list`,
          description: `${username} made ${f.behavior.key}; the configuration allows only listed users.`,
          mitre: ['T1078'],
          score: 45,
          subject: username,
          pattern: false,
        }),
      );
    }
    const ref = f.event.objectRef;
    if (cfg.allowedImages && ref?.resource === 'pods' && !ref.subresource && wrote(f, CREATE)) {
      const bad = (podSpecOf(f.event)?.containers ?? []).filter((c) => !imageMatches(c.image, cfg.allowedImages!));
      if (bad.length) {
        out.push(
          ruleDraft(state, f, {
            type: 'DisallowedImage',
            title: 'Pod with an image outside the allowed list',
            description: `${f.principal.key} created a pod in ${ref.namespace ?? ''} running ${[...new Set(bad.map((c) => (c.image ? imageRepo(c.image) : '?')))].join(', ')}, not on the allowed-images list.`,
            mitre: ['T1610'],
            score: 45,
            pattern: false,
          }),
        );
      }
    }
    if (cfg.allowedNamespaces && ref?.resource === 'namespaces' && !ref.subresource && wrote(f, CREATE)) {
      const name = ref.name ?? '';
      if (!cfg.allowedNamespaces.includes(name)) {
        out.push(
          ruleDraft(state, f, {
            type: 'DisallowedNamespace',
            title: `Namespace ${name} created outside the allowed list`,
            description: `${f.principal.key} created namespace ${name}, which is not on the allowed-namespaces list.`,
            mitre: ['T1578'],
            score: 45,
            pattern: false,
          }),
        );
      }
    }
    return out.length ? out : NONE;
  },
};
