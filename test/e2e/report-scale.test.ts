/**
 * report.html at the size of a real cluster: 600 workloads in 30 namespaces, 3,000 observed
 * connections and 1,000 allowed-but-unused paths. The page must draw every node and edge,
 * lay them out without a physics simulation (positions fixed before the first paint), keep the
 * keyboard list complete, and raise no console error. Speed is a bench matter; this proves the
 * page copes with the size at all.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { renderReportHtml } from '#shared/report/html';
import type { ReportEdge, ReportModel, ReportNode } from '#shared/report/model';
import { reportClientScript } from '#infra/local/report/write';
import { describeWithBrowser, openReportPage } from '#test/support/browser';

jest.setTimeout(120_000);

function bigModel(): ReportModel {
  const nodes: ReportNode[] = [];
  for (let n = 0; n < 30; n++) {
    for (let w = 0; w < 20; w++) {
      nodes.push({ id: `ns-${n}/Deployment/svc-${w}`, label: `svc-${w}`, kind: 'workload', namespace: `ns-${n}`, anomalies: 0, policies: { current: [], advised: [] } });
    }
  }
  for (let x = 0; x < 10; x++) nodes.push({ id: `ext:198.51.${x}.0/24`, label: `198.51.${x}.0/24`, kind: 'external', anomalies: 0, policies: { current: [], advised: [] } });
  const edges: ReportEdge[] = [];
  // A deterministic spread: each workload talks to five others, some across namespaces.
  for (let i = 0; edges.length < 3000; i++) {
    const src = nodes[i % 600]!;
    const dst = nodes[(i * 7 + 13) % nodes.length]!;
    if (src.id === dst.id) continue;
    const port = 8000 + (i % 50);
    const denied = i % 17 === 0;
    edges.push({ id: `${src.id}>${dst.id}:${port}/TCP`, source: src.id, target: dst.id, port, protocol: 'TCP', bytes: 1000 + i, records: 10, observed: true, current: { allowed: !denied, reason: denied ? 'denied: isolated by ns/deny' : 'allowed: not isolated' } });
  }
  for (let i = 0; i < 1000; i++) {
    const src = nodes[(i * 11) % 600]!;
    const dst = nodes[(i * 3 + 1) % 600]!;
    if (src.id === dst.id) continue;
    edges.push({ id: `${src.id}>${dst.id}:9${i % 1000}/TCP`, source: src.id, target: dst.id, port: 9000 + (i % 1000), protocol: 'TCP', bytes: 0, records: 0, observed: false, advised: { allowed: true, reason: 'allowed by the advised policies; no flow used it' } });
  }
  return {
    cluster: 'scale', generatedAt: '2026-12-01T00:00:00.000Z',
    totals: { anomalies: 0, bySeverity: {}, actions: 0, byOutcome: {}, workloads: 600, edges: edges.length, deniedCurrent: edges.filter((e) => e.current?.allowed === false).length, deniedAdvised: 0 },
    nodes, edges, anomalies: [], actions: [], advice: [], policies: {}, unusedTruncated: false,
  };
}

describeWithBrowser('report.html with thousands of edges, in Chromium', (executablePath) => {
  let browser: Browser;
  let page: Page;
  let problems: string[] = [];
  const model = bigModel();

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-report-scale-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, renderReportHtml(model, { script: reportClientScript() }));
    ({ browser, page, problems } = await openReportPage(executablePath, file, { offline: true, readyTimeoutMs: 90_000 }));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('draws every workload and every edge, with fixed positions', async () => {
    const facts = await page.evaluate(() => {
      const cy = (window as unknown as { boundwatchReport: { cy: { nodes: () => { filter: (f: (n: { isParent: () => boolean }) => boolean) => Array<{ position: () => { x: number; y: number } }> }; edges: () => { length: number } } } }).boundwatchReport.cy;
      const leaves = cy.nodes().filter((n) => !n.isParent());
      return { nodes: leaves.length, edges: cy.edges().length, placed: leaves.filter((n) => Number.isFinite(n.position().x) && Number.isFinite(n.position().y)).length };
    });
    expect(facts.nodes).toBe(model.nodes.length);
    expect(facts.placed).toBe(model.nodes.length);
    // The current view draws the observed edges; unused paths belong to the advised view.
    expect(facts.edges).toBeGreaterThanOrEqual(3000);
  });

  it('keeps the keyboard list of workloads complete', async () => {
    const listed = await page.evaluate(() => document.querySelectorAll('#workload-list button').length);
    expect(listed).toBe(600);
  });

  it('raises no console error or warning', () => {
    expect(problems).toEqual([]);
  });
});
