// The first visit as a customer's browser sees it (scripts/bench-frontend):
// for the sign-in page, the dashboard and the billing page, with a cold and
// a warm cache, under two network profiles emulated over the Chrome DevTools
// Protocol, it prints the bytes transferred by kind, the time to content
// (first contentful paint) and the time to interactive (hydration done: the
// app sets `data-hydrated` on <html>). A report, not a test: machines differ.
//
// Env: BENCH_BASE (the release server, with demo data), BENCH_RUNS (default 3;
// the median is printed).
import { chromium } from '@playwright/test';

const base = process.env.BENCH_BASE;
if (!base) throw new Error('BENCH_BASE must be set (scripts/bench-frontend sets it)');
const runs = Number(process.env.BENCH_RUNS ?? 3);

const PROFILES = [
  { name: '10 Mbit/s, 40 ms', down: 10e6 / 8, up: 5e6 / 8, latency: 40 },
  // Lighthouse's mobile profile ("slow 4G").
  { name: '1.6 Mbit/s, 150 ms', down: 1.6e6 / 8, up: 750e3 / 8, latency: 150 },
];
const PAGES = [
  { name: '/sign-in', path: '/sign-in', signedIn: false },
  { name: '/ (dashboard)', path: '/', signedIn: true },
  { name: '/billing', path: '/billing', signedIn: true },
];

function kindOf(url, type) {
  if (url.includes('.wasm')) return 'wasm';
  if (type === 'Script') return 'js';
  if (type === 'Stylesheet') return 'css';
  if (type === 'Document') return 'html';
  return 'other';
}

async function signedInState(browser) {
  const context = await browser.newContext();
  const answer = await context.request.post(`${base}/api/auth/sign_in`, {
    form: { email: 'owner@acme.test', password: 'portal-demo-2026' },
    headers: { 'sec-fetch-site': 'same-origin' },
  });
  if (!answer.ok()) throw new Error(`demo sign-in failed: ${answer.status()} (start the server with PORTAL_DEMO_DATA=1)`);
  const state = await context.storageState();
  await context.close();
  return state;
}

// One visit: a fresh context is a cold cache; `warm` visits once first.
async function visit(browser, page, profile, warm, state) {
  const context = await browser.newContext(page.signedIn ? { storageState: state } : {});
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Network.enable');
  if (warm) {
    await tab.goto(base + page.path);
    await tab.waitForSelector('html[data-hydrated]', { timeout: 60_000 });
  }
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: profile.latency,
    downloadThroughput: profile.down,
    uploadThroughput: profile.up,
  });
  const bytes = { html: 0, js: 0, wasm: 0, css: 0, other: 0 };
  const kinds = new Map();
  cdp.on('Network.responseReceived', (e) => kinds.set(e.requestId, kindOf(e.response.url, e.type)));
  cdp.on('Network.loadingFinished', (e) => {
    const kind = kinds.get(e.requestId) ?? 'other';
    bytes[kind] += e.encodedDataLength;
  });
  const started = Date.now();
  await tab.goto(base + page.path, { waitUntil: 'commit' });
  await tab.waitForSelector('html[data-hydrated]', { timeout: 120_000 });
  const interactive = Date.now() - started;
  const content = await tab.evaluate(
    () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
  );
  await tab.waitForLoadState('networkidle');
  await context.close();
  return { bytes, content, interactive };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const kB = (n) => `${(n / 1000).toFixed(0)} kB`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking'],
});
const state = await signedInState(browser);
console.log(`front-end bench against ${base}, median of ${runs} runs`);
console.log('page            cache profile              total    html     js       wasm     css    content   interactive');
for (const page of PAGES) {
  for (const warm of [false, true]) {
    for (const profile of PROFILES) {
      const results = [];
      for (let i = 0; i < runs; i++) results.push(await visit(browser, page, profile, warm, state));
      const pick = (f) => median(results.map(f));
      const total = pick((r) => Object.values(r.bytes).reduce((a, b) => a + b, 0));
      console.log(
        [
          page.name.padEnd(15),
          (warm ? 'warm' : 'cold').padEnd(5),
          profile.name.padEnd(20),
          kB(total).padStart(8),
          kB(pick((r) => r.bytes.html)).padStart(8),
          kB(pick((r) => r.bytes.js)).padStart(8),
          kB(pick((r) => r.bytes.wasm)).padStart(8),
          kB(pick((r) => r.bytes.css)).padStart(6),
          `${pick((r) => r.content).toFixed(0)} ms`.padStart(9),
          `${pick((r) => r.interactive)} ms`.padStart(13),
        ].join(' '),
      );
    }
  }
}
await browser.close();
