/**
 * report.html in a real browser: the demo's report is opened from its file in headless
 * Chromium; the graph must draw the inventory's workloads and the observed connections, the
 * stolen token's anomaly must be listed with the baseline that made it unusual, and a real
 * mouse click on an edge must show the rule that decides it. Screenshots are kept in
 * test/e2e/artifacts/ (not tracked) for a person to look at.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import type { ReportModel } from '#shared/report/model';
import { runCli } from '#test/support/cli';
import { describeWithBrowser, openReportPage } from '#test/support/browser';

const ARTIFACTS = join(__dirname, 'artifacts');

// A browser on a loaded 2-core machine: each step may take seconds.
jest.setTimeout(60_000);

interface GraphFacts {
  nodes: string[];
  edges: Array<{ id: string; source: string; target: string; classes: string[] }>;
}

describeWithBrowser('report.html of the demo, in Chromium', (executablePath) => {
  let browser: Browser;
  let page: Page;
  let model: ReportModel;
  let out: string;
  let stdout: string;
  let problems: string[] = [];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'bw-report-'));
    const r = await runCli(['demo', '--out', out]);
    expect(r.code).toBe(0);
    stdout = r.stdout;
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    model = JSON.parse(html.match(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/)![1]!) as ReportModel;
    mkdirSync(ARTIFACTS, { recursive: true });
    ({ browser, page, problems } = await openReportPage(executablePath, join(out, 'report.html'), { offline: true }));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('is announced as the last thing the demo prints', () => {
    expect(stdout.trimEnd().split('\n').pop()).toBe(`Report: ${join(out, 'report.html')}`);
  });

  it('draws every workload of the inventory and every observed connection, the quarantined path in red', async () => {
    const g: GraphFacts = await page.evaluate(() => {
      const r = (window as unknown as { boundwatchReport: { cy: { nodes: () => { filter: (f: (n: { isParent: () => boolean }) => boolean) => Array<{ id: () => string }> }; edges: () => Array<{ id: () => string; source: () => { id: () => string }; target: () => { id: () => string }; classes: () => string[] }> } } }).boundwatchReport;
      return {
        nodes: r.cy.nodes().filter((n) => !n.isParent()).map((n) => n.id()),
        edges: r.cy.edges().map((e) => ({ id: e.id(), source: e.source().id(), target: e.target().id(), classes: e.classes() })),
      };
    });
    const inventory = JSON.parse(readFileSync(join(out, 'input', 'cluster.json'), 'utf8')) as { pods: Array<{ namespace: string; owner?: { kind: string; name: string } }> };
    for (const w of ['shop/Deployment/checkout', 'shop/Deployment/recommendation', 'backoffice/Deployment/admin-api', 'kube-system/Deployment/coredns']) expect(g.nodes).toContain(w);
    expect(g.nodes.length).toBeGreaterThanOrEqual(new Set(inventory.pods.map((p) => `${p.namespace}/${p.owner?.kind}/${p.owner?.name}`)).size);
    const observed = model.edges.filter((e) => e.observed);
    expect(observed.length).toBeGreaterThan(20);
    expect(g.edges.filter((e) => !e.classes.includes('hidden')).length).toBe(observed.length);
    // The network anomaly's pod is quarantined in the dry-run plan: its exfiltration path is denied now.
    const red = g.edges.filter((e) => e.classes.includes('denied'));
    expect(red.map((e) => `${e.source}>${e.target}`)).toContain('shop/Deployment/recommendation>backoffice/Deployment/admin-api');
    await page.screenshot({ path: join(ARTIFACTS, 'report-connections.png') });
  });

  it('passes axe-core\'s WCAG 2 A/AA checks (contrast, names, keyboard), the graph canvas aside', async () => {
    await page.addScriptTag({ path: require.resolve('axe-core') });
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<{ id: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
      // The graph is a canvas: what it shows is reachable through the workload list below it.
      const r = await axe.run({ exclude: [['#graph']] }, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
      return r.violations.map((v) => `${v.id}: ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
    });
    expect(violations).toEqual([]);
  });

  it('shows external destinations by the names DNS answered for them', async () => {
    const labels = await page.evaluate(() => {
      const cy = (window as unknown as { boundwatchReport: { cy: { getElementById: (id: string) => { data: (k: string) => string } } } }).boundwatchReport.cy;
      return ['ext:203.0.113.0/24', 'ext:198.51.100.0/24'].map((id) => cy.getElementById(id).data('label'));
    });
    expect(labels).toEqual(['api.payments.example.net', 'smtp.mail.example.org']);
    expect(model.nodes.find((n) => n.id === 'ext:203.0.113.0/24')?.names).toEqual(['api.payments.example.net']);
  });

  it('lists the stolen token anomaly with the baseline sentence that made it unusual', async () => {
    const stolen = model.anomalies.find((a) => a.principal === 'system:serviceaccount:shop:checkout');
    expect(stolen).toBeDefined();
    const withBaseline = stolen!.findings.find((f) => f.baseline);
    expect(withBaseline).toBeDefined();
    const text = await page.$eval(`[id="anomaly-${stolen!.id}"]`, (d) => {
      (d as HTMLDetailsElement).open = true;
      return d.textContent ?? '';
    });
    expect(text).toContain('system:serviceaccount:shop:checkout');
    expect(text).toContain(`Normal for this principal: ${withBaseline!.baseline!}`);
    const box = await page.$(`[id="anomaly-${stolen!.id}"]`);
    await box!.screenshot({ path: join(ARTIFACTS, 'report-stolen-token.png') });
  });

  it('shows the deciding rule when an edge is clicked with the mouse', async () => {
    const target = model.edges.find((e) => e.source === 'shop/Deployment/recommendation' && e.target === 'backoffice/Deployment/admin-api')!;
    await page.$eval('#graph', (g) => g.scrollIntoView());
    // Points along the drawn line: where edges cross, the nearest one may take the click, so a
    // few points are tried, each a real mouse click; the panel must then name this edge.
    const points = await page.evaluate((id: string) => {
      const r = (window as unknown as { boundwatchReport: { cy: { getElementById: (id: string) => { source: () => { renderedPosition: () => { x: number; y: number } }; target: () => { renderedPosition: () => { x: number; y: number } } } } } }).boundwatchReport;
      const e = r.cy.getElementById(id);
      const a = e.source().renderedPosition();
      const b = e.target().renderedPosition();
      const rect = document.getElementById('graph')!.getBoundingClientRect();
      return [0.5, 0.4, 0.6, 0.3, 0.7].map((f) => ({ x: rect.left + a.x + (b.x - a.x) * f, y: rect.top + a.y + (b.y - a.y) * f }));
    }, target.id);
    for (const point of points) {
      await page.mouse.click(point.x, point.y);
      if ((await page.$eval('#panel', (p) => (p as HTMLElement).dataset.edgeId)) === target.id) break;
    }
    await page.waitForSelector(`#panel[data-edge-id]`, { timeout: 5_000 });
    const shown = await page.$eval('#panel', (p) => ({ id: (p as HTMLElement).dataset.edgeId, rule: p.querySelector('#edge-rule')?.textContent, verdict: p.querySelector('#edge-verdict')?.textContent }));
    expect(shown.id).toBe(target.id);
    expect(shown.verdict).toMatch(/^denied/);
    expect(shown.rule).toBe(target.current!.reason);
    expect(shown.rule).toMatch(/isolated by/);
    await page.screenshot({ path: join(ARTIFACTS, 'report-edge-rule.png') });
  });

  it('switches to the advised policies, where unused allowed paths are dashed', async () => {
    await page.click('#view-advised');
    const classes = await page.evaluate(() => {
      const r = (window as unknown as { boundwatchReport: { cy: { edges: () => Array<{ classes: () => string[] }> } } }).boundwatchReport;
      return r.cy.edges().map((e) => e.classes().join(' '));
    });
    expect(await page.$eval('#view-advised', (b) => b.getAttribute('aria-pressed'))).toBe('true');
    expect(classes.filter((c) => c.includes('unused')).length).toBe(model.edges.filter((e) => !e.observed).length);
    await page.click('#view-current');
  });

  it('lists every response with how to release it and the advice diff', async () => {
    const rows = await page.$$eval('#actions tr[data-outcome]', (trs) => trs.map((t) => t.textContent ?? ''));
    expect(rows).toHaveLength(model.actions.length);
    const advice = await page.$$eval('#advice-diff tr', (trs) => trs.length - 1);
    expect(advice).toBe(model.advice.length);
    expect(model.advice.length).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'report-full.png'), fullPage: true });
  });

  it('raised no console error, warning or network request', () => {
    expect(problems).toEqual([]);
  });
});
