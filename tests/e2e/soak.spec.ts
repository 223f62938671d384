// Soak: generations in a row in one page, TEST FIXTURE pack (2 steps a clip):
// 50 on WASM, and 30 on WebGPU, which is SwiftShader here (a CPU emulation,
// 5-7 s a clip on the 2-core machine: 30 clips take some 3.5 minutes, 50 would
// take 5-6). Both are part of the default e2e run; `npm run test:soak` runs
// them alone, and ZOETROPE_SOAK_RUNS / ZOETROPE_SOAK_GPU_RUNS change the counts
// (README "Reliability" reports a 50-clip WebGPU run).
// After each clip it checks the video and records, after a forced garbage
// collection, the page's JS heap (DevTools Performance.getMetrics) and the
// resident memory of the renderer (page, engine worker, WebAssembly heap,
// videos); on WebGPU also the bytes in GPUBuffers that ORT and our step
// kernel hold when the job ends (the engine counts them, workers/gpu-memory.ts)
// and the GPU process's resident memory. It prints the curve and fails on
// steady growth after the warm-up.
import { expect, test, type Page } from '@playwright/test';
import { appUrl, expectValidFixtureVideo, generate, logConsole, waitReady } from './helpers';
import { describeGrowth, printCurve, processRss, slope } from './soak-measure';

const RUNS = Number(process.env['ZOETROPE_SOAK_RUNS'] ?? 50);
const GPU_RUNS = Number(process.env['ZOETROPE_SOAK_GPU_RUNS'] ?? 30);
const WARM_UP = 10;

/** Bounded, not zero: allocators keep some pages; a leak of one clip (about 0.5 MB of MP4 and frames) per run would break these. */
const HEAP_SLOPE = 50_000;
const RSS_SLOPE = 300_000;
/** ORT's WebGPU buffers between jobs: its cache of freed buffers may settle, but the step kernel's buffers of one job (0.49 MB for the fixture) kept per clip would break this. */
const GPU_SLOPE = 10_000;

interface Samples {
  heap: number[];
  renderer: number[];
  gpuProcess: number[];
  gpuLive: number[];
}

/** Generates `runs` clips in a row, checking each and measuring after each. */
async function soak(page: Page, runs: number, backend: 'wasm' | 'webgpu'): Promise<Samples> {
  const timings: { gpuLiveBytes: number | null }[] = [];
  page.on('console', (m) => {
    const match = /^\[zoetrope:timing\] (.*)$/.exec(m.text());
    const data = match ? (JSON.parse(match[1]!) as { event: string; gpuLiveBytes?: number | null }) : null;
    if (data?.event === 'generate') timings.push({ gpuLiveBytes: data.gpuLiveBytes ?? null });
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const samples: Samples = { heap: [], renderer: [], gpuProcess: [], gpuLive: [] };
  const started = Date.now();
  for (let i = 1; i <= runs; i++) {
    const facts = await generate(page, { prompt: `a red ball bouncing on the grass ${i}`, seed: i, steps: 2 });
    expectValidFixtureVideo(facts);
    expect(facts.backend).toBe(backend);
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    samples.heap.push(metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0);
    samples.renderer.push(processRss('renderer'));
    samples.gpuProcess.push(processRss('gpu-process'));
    await expect.poll(() => timings.length).toBe(i);
    samples.gpuLive.push(timings[i - 1]!.gpuLiveBytes ?? 0);
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`[soak] ${backend}: ${runs} generations in ${seconds.toFixed(0)} s (${(seconds / runs).toFixed(2)} s each)`);
  return samples;
}

test(`soak: ${RUNS} generations in one page on WASM, every clip valid, memory flat`, async ({ page }) => {
  test.setTimeout(RUNS * 20_000 + 120_000);
  logConsole(page);
  await page.goto(appUrl('wasm'));
  await waitReady(page);
  const s = await soak(page, RUNS, 'wasm');
  printCurve({ 'page JS heap': s.heap, 'renderer RSS': s.renderer });
  console.log(`[soak] ${describeGrowth('page JS heap', s.heap, WARM_UP)}`);
  console.log(`[soak] ${describeGrowth('renderer RSS', s.renderer, WARM_UP)}`);

  expect(s.renderer.every((r) => r > 0)).toBe(true); // The renderer was found (Linux).
  expect(slope(s.heap.slice(WARM_UP))).toBeLessThan(HEAP_SLOPE);
  expect(slope(s.renderer.slice(WARM_UP))).toBeLessThan(RSS_SLOPE);
  expect(Math.max(...s.heap.slice(WARM_UP))).toBeLessThan(s.heap[WARM_UP - 1]! * 1.5 + 5e6);
});

test(`soak: ${GPU_RUNS} generations in one page on WebGPU, every clip valid, GPU buffers and memory flat`, async ({ page }) => {
  test.setTimeout(GPU_RUNS * 30_000 + 120_000);
  logConsole(page);
  await page.goto(appUrl('webgpu'));
  expect(await waitReady(page)).toBe('webgpu');
  const s = await soak(page, GPU_RUNS, 'webgpu');
  printCurve({ 'GPU buffers': s.gpuLive, 'page JS heap': s.heap, 'renderer RSS': s.renderer, 'GPU process RSS': s.gpuProcess });
  for (const [name, ys] of [['GPU buffers', s.gpuLive], ['page JS heap', s.heap], ['renderer RSS', s.renderer], ['GPU process RSS', s.gpuProcess]] as const) {
    console.log(`[soak] ${describeGrowth(name, ys, WARM_UP)}`);
  }
  console.log(`[soak] GPU buffers after each clip: ${new Set(s.gpuLive).size} distinct value(s), ${Math.min(...s.gpuLive)} to ${Math.max(...s.gpuLive)} bytes`);

  expect(s.gpuLive.every((b) => b > 0)).toBe(true); // The engine counted its GPU buffers.
  expect(s.renderer.every((r) => r > 0) && s.gpuProcess.every((r) => r > 0)).toBe(true);
  expect(slope(s.gpuLive.slice(WARM_UP))).toBeLessThan(GPU_SLOPE);
  expect(Math.max(...s.gpuLive.slice(WARM_UP))).toBeLessThanOrEqual(s.gpuLive[WARM_UP - 1]! * 1.1);
  expect(slope(s.heap.slice(WARM_UP))).toBeLessThan(HEAP_SLOPE);
  expect(Math.max(...s.heap.slice(WARM_UP))).toBeLessThan(s.heap[WARM_UP - 1]! * 1.5 + 5e6);
  // Resident memory swings by tens of MB from clip to clip here, so over 20 clips only a runaway
  // shows; the WASM soak's 40 clips bound the renderer's slope, and the GPU buffers are counted exactly above.
  expect(Math.max(...s.renderer.slice(WARM_UP))).toBeLessThan(s.renderer[WARM_UP - 1]! * 1.5);
  expect(Math.max(...s.gpuProcess.slice(WARM_UP))).toBeLessThan(s.gpuProcess[WARM_UP - 1]! * 1.5);
});
