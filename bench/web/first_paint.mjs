// Time to first paint of the web app's overview in Debian's headless Chromium (puppeteer-core from
// tests/browser): signs in with TOKEN at DATASYNC_URL, then loads / five times (cold cache, then warm) and
// prints the first contentful paint and the time until the plans table shows. Run by api_latency_bench.py.
import { createRequire } from 'node:module';
import path from 'node:path';
import url from 'node:url';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '..', 'tests', 'browser', 'package.json'));
const puppeteer = require('puppeteer-core');

const base = process.env.DATASYNC_URL;
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(base + '/', { waitUntil: 'load' });
  await page.waitForSelector('[data-test="token-input"]');
  await page.type('[data-test="token-input"]', process.env.TOKEN);
  await page.click('[data-test="sign-in-submit"]');
  await page.waitForSelector('[data-test="plan-row"]', { timeout: 30000 });
  const rows = [];
  for (let i = 0; i < 5; i++) {
    const started = Date.now();
    await page.goto(base + '/', { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('[data-test="plan-row"]', { timeout: 30000 });
    const table = Date.now() - started;
    const fcp = await page.evaluate(() => {
      const e = performance.getEntriesByName('first-contentful-paint')[0];
      return e ? e.startTime : -1;
    });
    rows.push({ fcp, table });
  }
  console.log('overview in Chromium (1280x800), load 1 cold then warm:');
  rows.forEach((r, i) =>
    console.log(`  load ${i + 1}: first contentful paint ${r.fcp.toFixed(0)} ms, plans table shown ${r.table} ms`));
} finally {
  await browser.close();
}
