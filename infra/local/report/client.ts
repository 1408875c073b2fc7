/// <reference lib="dom" />
/**
 * The browser side of report.html, bundled with its libraries into one script by
 * infra/local/bundle.mjs (dist/report-client.js) and inlined into every report. It reads the
 * report model from the page's JSON data element and draws: the connection graph (cytoscape),
 * the anomaly timeline (Chart.js), the anomaly, response and advice lists. All text goes in
 * with textContent: names in the model come from the cluster and its clients.
 */
import cytoscape from 'cytoscape';
import { Chart, LinearScale, PointElement, ScatterController, Tooltip, Legend } from 'chart.js';
import type { ReportEdge, ReportModel, ReportNode } from '#shared/report/model';

/** The id of the element a tap landed on (@types/cytoscape types event targets as `any`). */
function tappedId(evt: cytoscape.EventObject): string {
  return (evt.target as cytoscape.SingularElementArgument).id();
}

Chart.register(LinearScale, PointElement, ScatterController, Tooltip, Legend);

type View = 'current' | 'advised';
const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
const SEVERITY_COLOUR: Record<string, string> = { LOW: '#374151', MEDIUM: '#a16207', HIGH: '#c2410c', CRITICAL: '#b91c1c' };

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, attrs: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

const byId = (id: string): HTMLElement => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`report page lacks #${id}`);
  return e;
};

function fmtBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

const when = (iso: string) => iso.slice(0, 16).replace('T', ' ') + ' UTC';

function verdictOf(e: ReportEdge, view: View) {
  return view === 'advised' ? (e.advised ?? e.current) : e.current;
}

function edgeClass(e: ReportEdge, view: View): string {
  if (!e.observed) return view === 'advised' ? 'unused' : 'hidden';
  const v = verdictOf(e, view);
  return v?.allowed === false ? 'denied' : 'allowed';
}

function summaryCards(model: ReportModel): void {
  const cards = byId('cards');
  const t = model.totals;
  const add = (value: string, label: string) => {
    const c = el('div', undefined, { class: 'card' });
    c.append(el('b', value), el('span', label));
    cards.append(c);
  };
  add(String(t.anomalies), `anomalies (${SEVERITIES.filter((s) => (t.bySeverity[s] ?? 0) > 0).map((s) => `${t.bySeverity[s]} ${s}`).join(', ') || 'none'})`);
  add(String(t.actions), `responses (${Object.entries(t.byOutcome).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'})`);
  add(String(t.workloads), 'workloads');
  add(String(t.edges), 'observed connections');
  add(String(t.deniedCurrent), 'observed but denied now');
  byId('subtitle').textContent = model.window ? `Anomalies from ${when(model.window.start)} to ${when(model.window.end)} · generated ${when(model.generatedAt)}` : `Generated ${when(model.generatedAt)}`;
}

/**
 * Namespaces as boxes on a grid, each workload on a small grid inside its box: deterministic,
 * linear in the number of nodes (thousands stay fast), and every namespace reads as one group.
 */
function groupedPositions(nodes: readonly ReportNode[]): Record<string, { x: number; y: number }> {
  const groups = new Map<string, ReportNode[]>();
  for (const n of nodes) {
    const g = n.namespace ?? '(outside)';
    groups.set(g, [...(groups.get(g) ?? []), n]);
  }
  const names = [...groups.keys()].sort((a, b) => (a === '(outside)' ? 1 : b === '(outside)' ? -1 : a < b ? -1 : 1));
  const cols = Math.max(1, Math.ceil(Math.sqrt(names.length)));
  const cell = 110;
  const sizes = names.map((g) => Math.max(1, Math.ceil(Math.sqrt(groups.get(g)!.length))));
  const boxW = (Math.max(...sizes) + 1) * cell;
  const out: Record<string, { x: number; y: number }> = {};
  names.forEach((g, i) => {
    const members = groups.get(g)!.sort((a, b) => (a.id < b.id ? -1 : 1));
    const side = sizes[i]!;
    const ox = (i % cols) * boxW;
    const oy = Math.floor(i / cols) * boxW;
    members.forEach((n, j) => {
      out[n.id] = { x: ox + (j % side) * cell, y: oy + Math.floor(j / side) * cell };
    });
  });
  return out;
}

function graph(model: ReportModel, onSelect: (what: { node?: ReportNode; edge?: ReportEdge }) => void) {
  const namespaces = new Set(model.nodes.filter((n) => n.namespace).map((n) => n.namespace!));
  const hasOutside = model.nodes.some((n) => n.kind !== 'workload');
  const elements: cytoscape.ElementDefinition[] = [];
  for (const ns of [...namespaces].sort()) elements.push({ data: { id: `ns:${ns}`, label: ns }, classes: 'namespace' });
  if (hasOutside) elements.push({ data: { id: 'ns:(outside)', label: 'outside the cluster' }, classes: 'namespace' });
  for (const n of model.nodes) {
    const label = n.names?.length ? `${n.names[0]}${n.names.length > 1 ? ` +${n.names.length - 1}` : ''}` : n.label;
    elements.push({ data: { id: n.id, label, parent: n.namespace ? `ns:${n.namespace}` : 'ns:(outside)' }, classes: `${n.kind}${n.anomalies ? ' anomalous' : ''}` });
  }
  for (const e of model.edges) {
    elements.push({ data: { id: e.id, source: e.source, target: e.target, label: `${e.port}/${e.protocol}`, weight: Math.max(1, Math.min(8, Math.log10(e.bytes + 10))) }, classes: edgeClass(e, 'current') });
  }
  const cy = cytoscape({
    container: byId('graph'),
    elements,
    style: [
      { selector: 'node', style: { label: 'data(label)', 'font-size': 10, 'text-valign': 'bottom', 'text-margin-y': 3, 'background-color': '#2563eb', width: 18, height: 18, color: '#111827' } },
      { selector: 'node.external, node.vpc, node.node', style: { 'background-color': '#6b7280', shape: 'round-rectangle' } },
      { selector: 'node.anomalous', style: { 'border-width': 4, 'border-color': '#c2410c' } },
      { selector: '.namespace', style: { 'background-color': '#f3f4f6', 'border-color': '#9ca3af', 'border-width': 1, 'text-valign': 'top', 'font-size': 12, 'font-weight': 'bold', shape: 'round-rectangle' } },
      { selector: 'edge', style: { width: 'data(weight)', 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'line-color': '#1d4ed8', 'target-arrow-color': '#1d4ed8', 'arrow-scale': 0.8, opacity: 0.8 } },
      { selector: 'edge.denied', style: { 'line-color': '#b91c1c', 'target-arrow-color': '#b91c1c', width: 3, opacity: 1 } },
      { selector: 'edge.unused', style: { 'line-style': 'dashed', 'line-color': '#6b7280', 'target-arrow-color': '#6b7280', width: 1.5, opacity: 0.7 } },
      { selector: 'edge.hidden', style: { display: 'none' } },
      { selector: ':selected', style: { 'overlay-color': '#f59e0b', 'overlay-opacity': 0.35, 'overlay-padding': 4 } },
    ],
    layout: { name: 'preset', positions: groupedPositions(model.nodes), fit: true, padding: 20 },
  });
  const nodes = new Map(model.nodes.map((n) => [n.id, n]));
  const edges = new Map(model.edges.map((e) => [e.id, e]));
  cy.on('tap', 'edge', (evt) => {
    const e = edges.get(tappedId(evt));
    if (e) onSelect({ edge: e });
  });
  cy.on('tap', 'node', (evt) => {
    const n = nodes.get(tappedId(evt));
    if (n) onSelect({ node: n });
  });
  const setView = (view: View) => {
    cy.batch(() => {
      for (const e of model.edges) cy.getElementById(e.id).classes(edgeClass(e, view));
    });
  };
  return { cy, setView };
}

function panel(model: ReportModel, view: () => View) {
  const p = byId('panel');
  const show = (what: { node?: ReportNode; edge?: ReportEdge }) => {
    p.replaceChildren();
    const v = view();
    if (what.edge) {
      const e = what.edge;
      const verdict = verdictOf(e, v);
      p.dataset.edgeId = e.id;
      delete p.dataset.nodeId;
      p.append(el('h3', `${e.source} → ${e.target}`), el('p', `${e.port}/${e.protocol} · ${e.observed ? `${e.records} records, ${fmtBytes(e.bytes)}` : 'never observed'}`));
      const verdictLine = el('p', undefined, { id: 'edge-verdict' });
      verdictLine.append(el('span', verdict?.allowed === false ? 'denied' : 'allowed', { class: verdict?.allowed === false ? 'verdict-denied' : 'verdict-allowed' }), document.createTextNode(` with the ${v === 'advised' ? 'advised' : 'current'} policies`));
      p.append(verdictLine, el('h3', 'Deciding rule'), el('p', verdict?.reason ?? 'not simulated', { id: 'edge-rule' }));
      return;
    }
    const n = what.node!;
    p.dataset.nodeId = n.id;
    delete p.dataset.edgeId;
    p.append(el('h3', n.id), el('p', `${n.kind}${n.namespace ? ` in ${n.namespace}` : ''}${n.anomalies ? ` · ${n.anomalies} anomal${n.anomalies === 1 ? 'y' : 'ies'}` : ''}`));
    if (n.names?.length) p.append(el('p', `Names (from DNS answers): ${n.names.join(', ')}`, { id: 'node-names' }));
    const pols = n.policies[v];
    p.append(el('h3', `Policies selecting it (${v === 'advised' ? 'with advised' : 'current'})`));
    if (!pols.length) p.append(el('p', 'None: not isolated, every connection is allowed.', { class: 'muted' }));
    for (const name of pols) {
      const d = el('details');
      d.append(el('summary', name));
      const yaml = model.policies[name]?.yaml;
      if (yaml) d.append(el('pre', yaml));
      p.append(d);
    }
    const mine = model.edges.filter((e) => (e.source === n.id || e.target === n.id) && edgeClass(e, v) !== 'hidden');
    p.append(el('h3', `Connections (${mine.length})`));
    const list = el('ul');
    for (const e of mine.slice(0, 200)) {
      const verdict = verdictOf(e, v);
      const li = el('li');
      li.append(el('span', `${e.source === n.id ? '→ ' + e.target : '← ' + e.source} ${e.port}/${e.protocol}: `), el('span', verdict?.allowed === false ? 'denied' : e.observed ? 'allowed' : 'allowed, unused', { class: verdict?.allowed === false ? 'verdict-denied' : 'verdict-allowed' }), el('div', verdict?.reason ?? '', { class: 'muted' }));
      list.append(li);
    }
    p.append(list);
  };
  return show;
}

function timeline(model: ReportModel, open: (id: string) => void): Chart | undefined {
  if (!model.anomalies.length) {
    byId('timeline-wrap').replaceChildren(el('p', 'No anomalies.', { class: 'muted' }));
    return undefined;
  }
  const principals = [...new Set(model.anomalies.map((a) => a.principal))];
  const datasets = SEVERITIES.filter((s) => model.anomalies.some((a) => a.severity === s)).map((s) => ({
    label: s,
    backgroundColor: SEVERITY_COLOUR[s],
    pointRadius: 4 + SEVERITIES.indexOf(s) * 2,
    data: model.anomalies.filter((a) => a.severity === s).map((a) => ({ x: Date.parse(a.time), y: principals.indexOf(a.principal), id: a.id })),
  }));
  const short = (p: string) => (p.length > 42 ? `…${p.slice(-41)}` : p);
  const chart = new Chart(byId('timeline') as HTMLCanvasElement, {
    type: 'scatter',
    data: { datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: { type: 'linear', ticks: { callback: (v) => new Date(Number(v)).toISOString().slice(5, 16).replace('T', ' ') } },
        y: {
          type: 'linear',
          min: -0.5,
          max: principals.length - 0.5,
          // One tick per principal (the axis would otherwise start its steps at -0.5).
          afterBuildTicks: (axis) => {
            axis.ticks = principals.map((_, i) => ({ value: i }));
          },
          ticks: { autoSkip: false, callback: (v) => short(principals[Number(v)] ?? '') },
        },
      },
      plugins: { tooltip: { callbacks: { label: (ctx) => { const a = model.anomalies.find((x) => x.id === (ctx.raw as { id: string }).id); return a ? `${a.severity} ${a.principal}: ${a.findings.map((f) => f.title).join('; ')}` : ''; } } } },
      onClick: (_evt, items) => {
        const first = items[0];
        if (!first) return;
        const raw = datasets[first.datasetIndex]?.data[first.index];
        if (raw) open(raw.id);
      },
    },
  });
  return chart;
}

function anomalyList(model: ReportModel): (id: string) => void {
  const box = byId('anomalies');
  const byId2 = new Map<string, HTMLDetailsElement>();
  for (const a of [...model.anomalies].reverse()) {
    const d = el('details', undefined, { id: `anomaly-${a.id}`, 'data-severity': a.severity });
    const s = el('summary');
    s.append(el('span', a.severity, { class: `sev sev-${a.severity}` }), document.createTextNode(` ${when(a.time)} · ${a.principal} · ${a.findings.map((f) => f.title).join('; ')}`));
    d.append(s);
    if (a.workload) d.append(el('p', `Workload: ${a.workload}`));
    for (const f of a.findings) {
      d.append(el('h3', `${f.title}${f.mitre.length ? ` (${f.mitre.join(', ')})` : ''}`), el('p', f.description));
      if (f.baseline) d.append(el('p', `Normal for this principal: ${f.baseline}`, { class: 'baseline' }));
    }
    const acts = model.actions.filter((x) => x.anomalyId === a.id);
    if (acts.length) d.append(el('p', `Responses: ${acts.map((x) => `${x.action} ${x.outcome}`).join(', ')}`));
    box.append(d);
    byId2.set(a.id, d);
  }
  return (id) => {
    const d = byId2.get(id);
    if (!d) return;
    d.open = true;
    d.scrollIntoView({ block: 'center' });
    d.querySelector('summary')?.focus();
  };
}

function actionsTable(model: ReportModel): void {
  const box = byId('actions');
  if (!model.actions.length) {
    box.append(el('p', 'No responses.', { class: 'muted' }));
    return;
  }
  const table = el('table');
  const head = el('tr');
  for (const h of ['action', 'target', 'mode', 'outcome', 'expires', 'reason / changes', 'release']) head.append(el('th', h, { scope: 'col' }));
  table.append(head);
  for (const a of model.actions) {
    const tr = el('tr', undefined, { 'data-outcome': a.outcome });
    tr.append(el('td', a.action), el('td', a.target), el('td', a.mode), el('td', a.outcome), el('td', a.expiresAt ? when(a.expiresAt) : '—'), el('td', a.reason ?? a.changes.join('\n')));
    const rel = el('td');
    if (a.release) rel.append(el('code', a.release));
    else rel.append(el('span', a.mode === 'dry-run' ? 'nothing changed (dry-run)' : '—', { class: 'muted' }));
    tr.append(rel);
    table.append(tr);
  }
  box.append(table);
}

function adviceDiff(model: ReportModel): void {
  const box = byId('advice-diff');
  if (!model.advice.length) {
    box.append(el('p', 'No advice computed (advice needs flows and a cluster inventory).', { class: 'muted' }));
    return;
  }
  const edges = new Map(model.edges.map((e) => [e.id, e]));
  const table = el('table');
  const head = el('tr');
  for (const h of ['advised policy', 'keeps (observed)', 'would block (observed)']) head.append(el('th', h, { scope: 'col' }));
  table.append(head);
  const describe = (id: string) => {
    const e = edges.get(id);
    return e ? `${e.source} → ${e.target} ${e.port}/${e.protocol}` : id;
  };
  for (const a of model.advice) {
    const tr = el('tr');
    const keeps = el('td');
    keeps.append(el('b', String(a.keeps.length)));
    if (a.keeps.length) {
      const ul = el('ul');
      for (const id of a.keeps.slice(0, 20)) ul.append(el('li', describe(id)));
      keeps.append(ul);
    }
    const blocks = el('td');
    blocks.append(el('b', String(a.blocks.length), a.blocks.length ? { class: 'verdict-denied' } : {}));
    if (a.blocks.length) {
      const ul = el('ul');
      for (const id of a.blocks.slice(0, 20)) ul.append(el('li', describe(id)));
      blocks.append(ul);
    }
    tr.append(el('td', a.policy), keeps, blocks);
    table.append(tr);
  }
  box.append(table);
}

function workloadButtons(model: ReportModel, select: (n: ReportNode) => void): void {
  const box = byId('workload-list');
  // Every workload, however many: the list is the keyboard's way into the graph, so a cut here
  // would leave workloads only a mouse can reach.
  for (const n of model.nodes.filter((x) => x.kind === 'workload')) {
    const b = el('button', n.id, { type: 'button', role: 'listitem' });
    b.addEventListener('click', () => select(n));
    box.append(b);
  }
}

function main(): void {
  const model = JSON.parse(byId('report-data').textContent ?? '{}') as ReportModel;
  let view: View = 'current';
  summaryCards(model);
  const show = panel(model, () => view);
  const g = graph(model, (w) => show(w));
  const setView = (v: View) => {
    view = v;
    byId('view-current').setAttribute('aria-pressed', String(v === 'current'));
    byId('view-advised').setAttribute('aria-pressed', String(v === 'advised'));
    g.setView(v);
  };
  byId('view-current').addEventListener('click', () => setView('current'));
  const advisedButton = byId('view-advised') as HTMLButtonElement;
  if (!model.edges.some((e) => e.advised)) advisedButton.disabled = true;
  advisedButton.addEventListener('click', () => setView('advised'));
  workloadButtons(model, (n) => {
    g.cy.elements().unselect();
    g.cy.getElementById(n.id).select();
    show({ node: n });
  });
  const open = anomalyList(model);
  const chart = timeline(model, open);
  actionsTable(model);
  adviceDiff(model);
  // Tests and curious users reach the live objects here.
  (window as unknown as { boundwatchReport: unknown }).boundwatchReport = { model, cy: g.cy, chart, setView };
  document.body.dataset.ready = 'true';
}

main();
