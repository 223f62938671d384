// Soak: 50 generations in a row in one page, TEST FIXTURE pack on WASM.
// It takes well under a minute here, so it is part of the default e2e run;
// `npm run test:soak` runs it alone (ZOETROPE_SOAK_RUNS=n changes the count).
// After each clip it checks the video
// and records, after a forced garbage collection, the page's JS heap
// (DevTools Performance.getMetrics) and the resident memory of the renderer
// processes (Linux /proc), which hold the engine worker, its WebAssembly heap
// and the video buffers. It prints the curve and fails on steady growth.
// On WASM no GPU buffers exist; WebGPU here is SwiftShader, too slow to soak.
import { expect, test } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import { appUrl, expectValidFixtureVideo, generate, logConsole, waitReady } from './helpers';

const RUNS = Number(process.env['ZOETROPE_SOAK_RUNS'] ?? 50);
const WARM_UP = 10;

/** Resident memory of every Chromium renderer this test worker started (the browser is our child). */
function rendererRss(): number {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended meanwhile.
    }
  }
  const ours = (pid: number) => {
    for (let p = pid, n = 0; p > 1 && n < 20; p = parent.get(p) ?? 0, n++) if (p === process.pid) return true;
    return false;
  };
  let total = 0;
  for (const pid of parent.keys()) {
    try {
      if (!ours(pid) || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/** Least-squares slope of ys against their index: growth per generation. */
function slope(ys: number[]): number {
  const n = ys.length;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

const MB = (b: number) => (b / 1e6).toFixed(1);

test(`soak: ${RUNS} generations in one page, every clip valid, memory flat`, async ({ page }) => {
  test.setTimeout(RUNS * 20_000 + 120_000);
  logConsole(page);
  await page.goto(appUrl('wasm'));
  await waitReady(page);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const heap: number[] = [];
  const rss: number[] = [];
  const started = Date.now();
  for (let i = 1; i <= RUNS; i++) {
    const facts = await generate(page, { prompt: `a red ball bouncing on the grass ${i}`, seed: i, steps: 2 });
    expectValidFixtureVideo(facts);
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    heap.push(metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0);
    rss.push(rendererRss());
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`[soak] ${RUNS} generations in ${seconds.toFixed(0)} s (${(seconds / RUNS).toFixed(2)} s each)`);
  console.log('[soak] generation | page JS heap MB | renderer RSS MB');
  heap.forEach((h, i) => {
    if (i === 0 || (i + 1) % 5 === 0) console.log(`[soak] ${String(i + 1).padStart(3)} | ${MB(h).padStart(6)} | ${MB(rss[i]!).padStart(7)}`);
  });
  const heapSlope = slope(heap.slice(WARM_UP));
  const rssSlope = slope(rss.slice(WARM_UP));
  console.log(`[soak] growth after ${WARM_UP} warm-up runs: heap ${(heapSlope / 1e3).toFixed(1)} KB per generation, renderer RSS ${(rssSlope / 1e3).toFixed(1)} KB per generation`);

  expect(rss.every((r) => r > 0)).toBe(true); // The renderer was found (Linux).
  // Bounded, not zero: allocators keep some pages; a leak of one clip (about 0.5 MB of MP4 and frames) per run would break these.
  expect(heapSlope).toBeLessThan(50_000);
  expect(rssSlope).toBeLessThan(300_000);
  expect(Math.max(...heap.slice(WARM_UP))).toBeLessThan(heap[WARM_UP - 1]! * 1.5 + 5e6);
});
