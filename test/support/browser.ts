/**
 * A real browser for page tests: Debian's `chromium` driven by puppeteer-core. `.ci/run`
 * installs it; on a workstation without it the tests say so and skip, and under CI they fail
 * (a browser test that silently does not run proves nothing).
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

const CANDIDATES = [process.env.BOUNDWATCH_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string => !!p);

export function chromiumPath(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

/** `describe` when a browser is there; otherwise a visible skip (or a failure under CI). */
export function describeWithBrowser(name: string, fn: (executablePath: string) => void): void {
  const path = chromiumPath();
  if (path) {
    describe(name, () => fn(path));
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it('has a browser to run in', () => {
        throw new Error(`no Chromium found (looked for ${CANDIDATES.join(', ')}): .ci/run installs Debian's chromium`);
      });
    });
    return;
  }
  process.stderr.write(`[skip] ${name}: no Chromium (apt-get install chromium, or set BOUNDWATCH_CHROMIUM)\n`);
  describe.skip(`${name} (skipped: no Chromium on this machine)`, () => fn(''));
}

export interface OpenedReport {
  browser: Browser;
  page: Page;
  /** Console errors and warnings, page errors and (when `offline`) requests beyond the file. */
  problems: string[];
}

/**
 * Opens a report.html from disk in headless Chromium and waits until the page says it is
 * ready; every console error or warning and page error is collected, and with `offline` any
 * request that is not the file itself is refused and recorded.
 */
export async function openReportPage(executablePath: string, file: string, opts: { offline?: boolean; readyTimeoutMs?: number } = {}): Promise<OpenedReport> {
  const problems: string[] = [];
  const browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${String(e)}`));
  if (opts.offline) {
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.setRequestInterception(true);
    page.on('request', (r) => {
      if (r.url().startsWith('file://')) void r.continue();
      else {
        problems.push(`network request: ${r.url()}`);
        void r.abort();
      }
    });
  }
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]', { timeout: opts.readyTimeoutMs ?? 30_000 });
  return { browser, page, problems };
}
