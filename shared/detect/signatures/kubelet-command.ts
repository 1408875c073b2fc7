/**
 * Commands run through the kubelet API (`nodes/proxy` to `/exec/`, `/run/`, `/attach/`,
 * `/portForward/`, or a stream upgraded with 101 Switching Protocols): code execution in any pod
 * of the node, with no pods/exec request and none of its audit trail. Metric scrapes use the same
 * subresource (`/metrics`, `/stats`), so the path, not the subresource, decides.
 */
import { NONE, type AuditDetector } from '../types';
import { ruleDraft } from './rule';

const COMMAND_PATH = /\/proxy\/(exec|run|attach|portForward|cri)(\/|$|\?)/i;

/** Whether a nodes/proxy request runs something on the node rather than reading from it. */
export function isKubeletCommand(requestURI: string | undefined, code: number | undefined): boolean {
  const path = (requestURI ?? '').split('?')[0] ?? '';
  return COMMAND_PATH.test(path) || code === 101;
}

export const kubeletCommand: AuditDetector = {
  id: 'kubelet-command',
  kind: 'signature',
  detect(f, state) {
    const ref = f.event.objectRef;
    if (ref?.resource !== 'nodes' || ref.subresource !== 'proxy') return NONE;
    const code = f.event.responseStatus?.code;
    if (!isKubeletCommand(f.event.requestURI, code)) return NONE;
    const allowed = f.succeeded;
    const path = (f.event.requestURI ?? '').split('?')[0] ?? '';
    const what = /\/proxy\/([A-Za-z]+)/.exec(path)?.[1] ?? 'stream';
    return [
      ruleDraft(state, f, {
        type: 'KubeletCommandExecution',
        title: `Command run through the kubelet API on node ${ref.name ?? ''} (${what})`,
        description: `${f.principal.key} called the kubelet's ${what} endpoint on ${ref.name ?? 'a node'} through nodes/proxy${allowed ? '' : ' (denied)'}: it runs commands in the node's pods without a pods/exec request.`,
        mitre: ['T1609', 'T1611'],
        score: allowed ? 80 : 45,
        subject: ref.name ?? '',
        pattern: false,
      }),
    ];
  },
};
