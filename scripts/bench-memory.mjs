// @ts-check
// Owns the memory probes of the benchmarks (scripts/bench.mjs,
// scripts/bench-zoepack.mjs): finding our Chromium's browser process among
// others on the machine, the resident memory of its process tree from /proc
// (Linux), the page's JS heap from the DevTools protocol (main thread only;
// it leaves out ArrayBuffer contents), and polling their peaks while a piece
// of work runs.

import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** An unknown switch that Chromium ignores marks our browser process among others on the machine. */
export const MARKER = `--zoetrope-bench=${process.pid}`;

/** Our Chromium's browser process: the one started with MARKER and no --type; 0 when not found. */
export function browserPid() {
  if (!existsSync('/proc')) return 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes(MARKER) && !cmd.includes('--type=')) return Number(name);
    } catch {}
  }
  return 0;
}

/**
 * VmRSS in bytes of every process under `root`: the largest renderer, the
 * browser process, the GPU process, the storage service (IndexedDB of an
 * on-disk profile), and the sum over the tree (which counts shared pages
 * once per process, so it is an upper bound).
 */
export function processMemory(/** @type {number} */ root) {
  /** @type {Map<number, number>} */
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const inTree = (/** @type {number} */ pid) => {
    for (let p = pid, n = 0; p > 1 && n < 20; p = parent.get(p) ?? 0, n++) if (p === root) return true;
    return false;
  };
  const out = { renderer: 0, browser: 0, gpu: 0, storage: 0, total: 0 };
  for (const pid of parent.keys()) {
    if (!inTree(pid)) continue;
    try {
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      out.total += rss;
      if (cmd.includes('--type=renderer')) out.renderer = Math.max(out.renderer, rss);
      else if (cmd.includes('--type=gpu-process')) out.gpu = Math.max(out.gpu, rss);
      else if (cmd.includes('StorageService')) out.storage = Math.max(out.storage, rss);
      else if (!cmd.includes('--type=')) out.browser = Math.max(out.browser, rss);
    } catch {}
  }
  return out;
}

/** Polls memory while `work` runs; returns the peaks in bytes (heap: the page's main-thread JS heap), and `start`, the processes' memory before it. */
export async function peakMemory(/** @type {import('@playwright/test').Page} */ page, /** @type {() => Promise<void>} */ work) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const root = browserPid();
  const start = root ? processMemory(root) : { renderer: 0, browser: 0, gpu: 0, storage: 0, total: 0 };
  const peak = { heap: 0, renderer: 0, browser: 0, gpu: 0, storage: 0, total: 0, start };
  let running = true;
  const poll = (async () => {
    while (running) {
      try {
        const { metrics } = await cdp.send('Performance.getMetrics');
        peak.heap = Math.max(peak.heap, metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0);
      } catch {
        // The page navigated away; the process figures still count.
      }
      if (root) {
        const now = processMemory(root);
        for (const k of /** @type {const} */ (['renderer', 'browser', 'gpu', 'storage', 'total'])) peak[k] = Math.max(peak[k], now[k]);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    await work();
  } finally {
    running = false;
    await poll;
    await cdp.detach().catch(() => {});
  }
  return peak;
}
