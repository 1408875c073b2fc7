/**
 * `report.html`: one self-contained page (scripts, styles and data inlined; nothing is fetched
 * when it is viewed, so it opens from a file and works offline). Pure: the browser script
 * (the graph and chart libraries with the page's own code, bundled by infra/local/bundle.mjs)
 * is passed in. Every string of the model reaches the page only as JSON data and is put into
 * the document with `textContent`, so names an attacker chose cannot become markup.
 */
import type { ReportModel } from './model';

/** JSON that is safe inside a <script> element: no `<`, `>`, `&` or line separators survive. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A script body that cannot close its own element early. */
export function scriptSafeCode(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
:root { --fg:#111827; --muted:#4b5563; --bg:#ffffff; --panel:#f3f4f6; --line:#d1d5db; --allowed:#1d4ed8; --denied:#b91c1c; --unused:#6b7280;
  --LOW:#374151; --MEDIUM:#a16207; --HIGH:#c2410c; --CRITICAL:#b91c1c; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header { padding:16px 24px; border-bottom:1px solid var(--line); }
h1 { font-size:20px; margin:0 0 4px; } h2 { font-size:17px; margin:0 0 8px; } h3 { font-size:15px; margin:12px 0 4px; }
main { padding:0 24px 24px; }
section { margin-top:20px; }
.cards { display:flex; flex-wrap:wrap; gap:10px; margin-top:10px; }
.card { background:var(--panel); border-radius:6px; padding:8px 12px; min-width:120px; }
.card b { display:block; font-size:20px; }
.muted { color:var(--muted); }
.graph-wrap { display:grid; grid-template-columns: minmax(0,1fr) 340px; gap:12px; }
#graph { height:560px; border:1px solid var(--line); border-radius:6px; background:#fff; }
#panel { border:1px solid var(--line); border-radius:6px; padding:10px; overflow:auto; max-height:560px; background:var(--panel); }
#panel pre { white-space:pre-wrap; font-size:12px; background:#fff; padding:6px; border-radius:4px; }
.legend span { display:inline-block; margin-right:14px; }
.swatch { display:inline-block; width:22px; height:0; border-top:3px solid; vertical-align:middle; margin-right:4px; }
.toolbar { display:flex; gap:8px; align-items:center; margin:8px 0; flex-wrap:wrap; }
button, select { font:inherit; padding:4px 10px; border:1px solid #6b7280; border-radius:4px; background:#fff; color:var(--fg); cursor:pointer; }
button[aria-pressed="true"] { background:#1f2937; color:#fff; }
:focus-visible { outline:3px solid #f59e0b; outline-offset:2px; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:var(--panel); }
code { font-size:12px; }
.sev { font-weight:700; } .sev-LOW{color:var(--LOW)} .sev-MEDIUM{color:var(--MEDIUM)} .sev-HIGH{color:var(--HIGH)} .sev-CRITICAL{color:var(--CRITICAL)}
.verdict-denied { color:var(--denied); font-weight:700; } .verdict-allowed { color:var(--allowed); }
details { border:1px solid var(--line); border-radius:6px; padding:6px 10px; margin:6px 0; }
details[open] { background:var(--panel); }
summary { cursor:pointer; }
.baseline { border-left:4px solid var(--MEDIUM); padding-left:8px; margin:4px 0; }
#timeline-wrap { height:260px; }
#workload-list { display:flex; flex-wrap:wrap; gap:6px; margin-top:8px; }
#workload-list button { font-size:12px; }
@media print {
  .toolbar, #workload-list { display:none; }
  .graph-wrap { grid-template-columns: 1fr; }
  #panel { max-height:none; }
  details { break-inside: avoid; }
  details > *:not(summary) { display:block; }
}
`;

export interface HtmlAssets {
  /** The page's browser bundle (graph and chart libraries plus the page code), an IIFE. */
  script: string;
}

/** The whole page for one report model. */
export function renderReportHtml(model: ReportModel, assets: HtmlAssets): string {
  const title = `boundwatch report — ${model.cluster}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>${escapeHtml(title)}</h1>
  <div class="muted" id="subtitle"></div>
  <div class="cards" id="cards" aria-label="Summary"></div>
</header>
<main>
  <section id="connections" aria-labelledby="h-connections">
    <h2 id="h-connections">Connections</h2>
    <p class="muted">Workloads grouped by namespace; edges are observed connections (width by volume). Red: observed but denied by the policies of the view; dashed: allowed but never used. Select a workload or an edge to see the policies and the rule that decides it.</p>
    <div class="toolbar" role="group" aria-label="Policy view">
      <span>Policies:</span>
      <button type="button" id="view-current" aria-pressed="true">current and enforcement</button>
      <button type="button" id="view-advised" aria-pressed="false">with advised</button>
      <span class="legend" aria-hidden="true"><span><i class="swatch" style="border-color:var(--allowed)"></i>allowed</span><span><i class="swatch" style="border-color:var(--denied)"></i>denied</span><span><i class="swatch" style="border-top-style:dashed;border-color:var(--unused)"></i>allowed, unused</span></span>
    </div>
    <div class="graph-wrap">
      <div id="graph" role="img" aria-label="Workload connection graph"></div>
      <aside id="panel" aria-live="polite"><p class="muted">Select a workload or a connection.</p></aside>
    </div>
    <div id="workload-list" role="list" aria-label="Workloads"></div>
  </section>
  <section id="behaviour" aria-labelledby="h-behaviour">
    <h2 id="h-behaviour">Behaviour</h2>
    <div id="timeline-wrap"><canvas id="timeline" role="img" aria-label="Anomalies over time by principal and severity"></canvas></div>
    <div id="anomalies"></div>
  </section>
  <section id="responses" aria-labelledby="h-responses">
    <h2 id="h-responses">Responses</h2>
    <div id="actions"></div>
  </section>
  <section id="advice" aria-labelledby="h-advice">
    <h2 id="h-advice">Advice diff</h2>
    <div id="advice-diff"></div>
  </section>
</main>
<script type="application/json" id="report-data">${scriptSafeJson(model)}</script>
<script>${scriptSafeCode(assets.script)}</script>
</body>
</html>
`;
}
