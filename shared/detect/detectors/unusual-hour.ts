/**
 * A person active at an hour of the week they never are (for example, on a weekend night).
 * Context only (LOW): on-call work happens at odd hours; it strengthens other findings.
 */
import { hourOfWeek } from '../baseline';
import { explain } from '../explain';
import { NONE, type AuditDetector } from '../types';

export const unusualHour: AuditDetector = {
  id: 'unusual-hour',
  kind: 'baseline',
  detect(f, state) {
    if (!f.human || state.baseline?.kind !== 'self') return NONE;
    const hours = state.baseline.profile.hours;
    if (!hours) return NONE;
    const slots = Object.keys(hours).length;
    if (slots < state.config.unusualHourMinSlots) return NONE;
    const h = hourOfWeek(f.timeMs);
    for (const d of [-1, 0, 1]) if (hours[String((h + d + 168) % 168)]) return NONE;
    return [
      {
        type: 'UnusualHour',
        title: 'Activity at an unusual hour',
        description: `${f.principal.key}${f.features.sessionName ? ` (session ${f.features.sessionName})` : ''} was active at ${new Date(f.timeMs).toISOString().slice(0, 16)} UTC, an hour of the week it never is.`,
        mitre: ['T1078'],
        score: 25,
        subject: `hour:${h}`,
        baseline: () => explain(state, f, { hours: true }),
      },
    ];
  },
};
