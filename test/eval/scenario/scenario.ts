/**
 * The evaluation scenario: the benign cluster (cluster-model.ts) over `days` days, with the
 * look-new-but-benign events (lookalikes.ts) and the attack techniques (techniques.ts) woven in.
 * It streams hour by hour, in time order, so that millions of events never sit in memory.
 */
import { pick } from '#infra/local/scenario/random';
import { saUser, type Actor } from './audit-builder';
import { resetAuditIds, workloadBody } from './audit-builder';
import {
  DAY,
  HOUR,
  MIN,
  World,
  appWorkloads,
  ciDeploy,
  controlPlaneHour,
  kubeletHour,
  localWeekday,
  nodeJoins,
  nodeLeaves,
  people,
  platformWorkloads,
  podStarts,
  podStops,
  session,
  workloadsHour,
  hourly,
  type Emitted,
  type Scheduled,
  type Person,
  type WorkloadDef,
} from './cluster-model';
import { LOOKALIKES, type LookalikeContext } from './lookalikes';
import { ALL_TECHNIQUES, techniqueTime, type Technique } from './techniques';

/** A Monday, so that weekdays and weekends fall where people expect them. */
export const SCENARIO_START = Date.parse('2026-11-02T00:00:00Z');

export interface ScenarioOptions {
  seed?: number;
  days?: number;
  /** Multiplier for machine traffic (leases, watches, controllers, add-ons, applications). */
  scale?: number;
  start?: number;
  /** Techniques to inject (all by default; [] for a purely benign run). */
  techniques?: Technique[];
  lookalikes?: boolean;
}

export interface ScenarioInfo {
  start: number;
  days: number;
  techniques: Technique[];
  lookalikes: string[];
  /** Principals that are the platform's own controllers: none may raise HIGH while the cluster learns. */
  platformControllers?: string[];
}

const APPS_DEPLOYED_BY_CI = [['shop', 'checkout'], ['shop', 'cart'], ['shop', 'catalog'], ['orders', 'orders-worker'], ['payments', 'payments-api']] as const;

function controller(name: string): Actor {
  return { user: saUser('kube-system', name), ip: '172.16.49.12', ua: `kube-controller-manager/v1.30.4 (linux/amd64) kubernetes/a737599/${name}`, reason: `RBAC: allowed by ClusterRoleBinding "system:controller:${name}"` };
}

/** A CronJob run: the Job, its pod, what the pod does through the API, and the clean-up an hour later. */
function cronRun(w: World, def: WorkloadDef, t: number, work: (a: Actor, t: number) => void): void {
  const stamp = Math.floor(t / MIN);
  w.emit(t, controller('cronjob-controller'), { verb: 'create', resource: 'jobs', ns: def.ns, body: workloadBody('Job', def.ns, `${def.name}-${stamp}`, { serviceAccountName: def.sa, containers: [{ name: def.name, image: def.image }] }) });
  w.emit(t + 500, controller('cronjob-controller'), { verb: 'update', resource: 'cronjobs', ns: def.ns, name: def.name, sub: 'status' });
  const pod = podStarts(w, { ...def, kind: 'Deployment' }, t + 1000, pick(w.rand, w.liveNodes(t)), String(stamp));
  const actor = w.podActor(pod, t + 20_000);
  work(actor, t + 20_000);
  podStops(w, pod, t + 8 * MIN, controller('job-controller'));
  w.emit(t + 68 * MIN, controller('ttl-after-finished-controller'), { verb: 'delete', resource: 'jobs', ns: def.ns, name: `${def.name}-${stamp}` });
}

const BACKUP: WorkloadDef = { ns: 'data', name: 'db-backup', sa: 'db-backup', kind: 'Deployment', replicas: 0, mountsSecrets: true, image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/ops/pg-backup:1.4.0', ua: 'pg-backup/v1.4.0 (linux/amd64) kubernetes/$Format' };
const REPORT: WorkloadDef = { ns: 'ops', name: 'weekly-report', sa: 'report', kind: 'Deployment', replicas: 0, image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/ops/report:0.9.2', ua: 'kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819' };
const JANITOR: WorkloadDef = { ns: 'ops', name: 'weekly-cleanup', sa: 'janitor', kind: 'Deployment', replicas: 0, image: 'bitnami/kubectl:1.30.4', ua: 'kubectl/v1.30.4 (linux/amd64) kubernetes/a51b3b7' };

function plan(w: World, opts: Required<Pick<ScenarioOptions, 'days' | 'start'>>, roster: Person[], schedule: Scheduled[]): void {
  const at = (t: number, fn: () => void) => schedule.push({ t, fn });
  const devs = roster.filter((p) => p.role === 'developer');
  for (let d = 0; d < opts.days; d++) {
    const day0 = opts.start + d * DAY;
    const weekday = localWeekday(day0 + 12 * HOUR, 0);
    const oncall = devs[Math.floor(d / 7) % devs.length]!;
    // CI: releases on weekdays during the European and American working day.
    if (weekday < 5) {
      const n = 3 + Math.floor(w.rand() * 6);
      for (let i = 0; i < n; i++) {
        const t = day0 + 7 * HOUR + Math.floor(w.rand() * 12 * HOUR);
        const [ns, name] = pick(w.rand, APPS_DEPLOYED_BY_CI);
        at(t, () => ciDeploy(w, w.workloads.find((x) => x.ns === ns && x.name === name)!, t));
      }
    }
    // People: working sessions in their own time zone; the on-call engineer's nights and weekends.
    for (const p of roster) {
      for (const [from, to, prob] of [[9, 12.5, p.role === 'admin' ? 0.45 : 0.65], [13.5, 18, p.role === 'admin' ? 0.3 : 0.5]] as const) {
        const t = day0 + Math.floor((from - p.tz + w.rand() * (to - from)) * HOUR);
        if (localWeekday(t, p.tz) >= 5 || w.rand() >= prob) continue;
        const home = w.rand() < 0.35;
        const cmds = 4 + Math.floor(w.rand() * 17);
        at(t, () => session(w, w.person(p.session) ?? p, t, home, cmds));
      }
    }
    if (w.rand() < 0.12) {
      const t = day0 + Math.floor((1 - oncall.tz + w.rand() * 4) * HOUR);
      at(t, () => session(w, w.person(oncall.session) ?? oncall, t, true, 6 + Math.floor(w.rand() * 10)));
    }
    if (weekday >= 5 && w.rand() < 0.3) {
      const t = day0 + Math.floor((11 - oncall.tz + w.rand() * 6) * HOUR);
      at(t, () => session(w, w.person(oncall.session) ?? oncall, t, true, 5 + Math.floor(w.rand() * 10)));
    }
    // CronJobs: nightly backup; weekly report and clean-up on Sundays.
    at(day0 + 2 * HOUR, () =>
      cronRun(w, BACKUP, day0 + 2 * HOUR, (a, t) => {
        w.emit(t, a, { verb: 'get', resource: 'secrets', ns: 'data', name: 'orders-db-backup' });
        w.emit(t + 5 * MIN, a, { verb: 'create', resource: 'events', ns: 'data' });
      }),
    );
    if (weekday === 6) {
      const label = d >= 7 ? 'lookalike:weekly-cronjob' : undefined;
      at(day0 + 3 * HOUR, () =>
        w.labelled(label, () =>
          cronRun(w, REPORT, day0 + 3 * HOUR, (a, t) => {
            let tt = t;
            for (const r of ['pods', 'deployments', 'services', 'ingresses', 'persistentvolumeclaims', 'horizontalpodautoscalers']) w.emit((tt += 1500), a, { verb: 'list', resource: r });
            w.emit((tt += 1500), a, { verb: 'list', resource: 'nodes' });
            w.emit((tt += 1500), a, { verb: 'create', resource: 'configmaps', ns: 'ops', body: { kind: 'ConfigMap', metadata: { name: `weekly-report-${d}` }, data: { 'report.json': '{}' } } });
          }),
        ),
      );
      at(day0 + 4 * HOUR, () =>
        w.labelled(label, () =>
          cronRun(w, JANITOR, day0 + 4 * HOUR, (a, t) => {
            let tt = t;
            w.emit((tt += 1000), a, { verb: 'list', resource: 'pods', query: 'fieldSelector=status.phase%3DSucceeded' });
            w.emit((tt += 1000), a, { verb: 'list', resource: 'jobs' });
            const n = 35 + Math.floor(w.rand() * 25);
            for (let i = 0; i < n; i++) w.emit((tt += 400), a, { verb: 'delete', resource: i % 4 === 0 ? 'jobs' : 'pods', ns: pick(w.rand, ['shop', 'orders', 'data', 'ops']), name: `completed-${d}-${i}` });
          }),
        ),
      );
    }
  }
  // A spot interruption in the first week: one node goes, a replacement joins.
  const spot = opts.start + 3 * DAY + 14 * HOUR + 20 * MIN;
  at(spot, () => {
    const victim = w.liveNodes(spot)[2]!;
    nodeLeaves(w, victim, spot);
    nodeJoins(w, spot + 3 * MIN, victim.az);
  });
}

export interface ScenarioStream {
  info: ScenarioInfo;
  hours: Generator<Emitted[]>;
}

export function scenario(options: ScenarioOptions = {}): ScenarioStream {
  const seed = options.seed ?? 20261102;
  const days = options.days ?? 14;
  const start = options.start ?? SCENARIO_START;
  const scale = options.scale ?? 0.4;
  const techniques = (options.techniques ?? ALL_TECHNIQUES).filter((t) => t.day < days);
  const lookalikes = options.lookalikes === false ? [] : LOOKALIKES.filter((l) => l.day < days);
  const info: ScenarioInfo = { start, days, techniques, lookalikes: [...lookalikes.map((l) => l.id), 'new-node-joins', 'weekly-cronjob'] };
  return { info, hours: stream(seed, days, start, scale, techniques, lookalikes) };
}

function* stream(seed: number, days: number, start: number, scale: number, techniques: Technique[], lookalikes: typeof LOOKALIKES): Generator<Emitted[]> {
  resetAuditIds(seed);
  const w = new World(seed, start, scale);
  const roster = people();
  w.roster = roster;
  w.workloads = [...platformWorkloads(), ...appWorkloads()];
  // The cluster was running before boundwatch started watching: nodes and pods exist already.
  for (let i = 0; i < 6; i++) w.addNode(start - 30 * DAY, (i % 3) + 1);
  for (const def of w.workloads) {
    if (def.kind === 'DaemonSet') for (const n of w.nodes) w.startPod(def, start - 20 * DAY, n, '');
    else {
      const rs = w.suffix(9);
      for (let i = 0; i < def.replicas; i++) w.startPod(def, start - 10 * DAY, w.nodes[(i * 2 + def.name.length) % w.nodes.length]!, rs);
    }
  }
  w.drain();

  const schedule: Scheduled[] = [];
  plan(w, { days, start }, roster, schedule);
  const ctx: LookalikeContext = {
    people: roster,
    setPerson: (p) => {
      const i = roster.findIndex((x) => x.session === p.session);
      if (i >= 0) roster[i] = p;
      else roster.push(p);
    },
    workload: (ns, name) => w.workloads.find((x) => x.ns === ns && x.name === name)!,
    addWorkload: (def) => w.workloads.push(def),
    later: (t, fn) => schedule.push({ t, fn: () => w.labelled(w.label, fn) }),
  };
  for (const l of lookalikes) {
    const t = start + l.day * DAY + Math.floor(l.hour * HOUR);
    const label = `lookalike:${l.id}`;
    schedule.push({ t, fn: () => w.labelled(label, () => l.run(w, t, { ...ctx, later: (t2, fn) => schedule.push({ t: t2, fn: () => w.labelled(label, fn) }) })) });
  }
  for (const tech of techniques) {
    const t = techniqueTime(start, tech);
    schedule.push({ t, fn: () => w.labelled(`attack:${tech.id}`, () => tech.run(w, t)) });
  }

  yield* hourly(w, start, days, schedule, (_h, t0) => {
    controlPlaneHour(w, t0);
    for (const node of w.liveNodes(t0)) {
      const label = node.joined >= start ? w.nodeLabel(node) : undefined;
      w.labelled(label, () => kubeletHour(w, node, t0));
    }
    workloadsHour(w, t0);
  });
}

export type { Emitted };
