// The app's default model is the built-in pack at models/zoetrope-shapes/
// (never the fixture): the plain page installs it from our own origin with a
// progress bar, and it turns the demo prompt into a 16-frame clip on WASM
// (through the pack's WASM graph variant, dynamic int8) and on WebGPU
// (SwiftShader: a correctness check, so 2 steps only, on the default graph,
// whose frames must match WASM running that same graph).
import { expect, test, type Page } from '@playwright/test';
import { generate, logConsole, waitReady, type ResultFacts } from './helpers';

const PROMPT = 'a red ball bouncing on green grass';

function expectBuiltInVideo(facts: ResultFacts): void {
  // 16 frames of 64x64, upscaled 4x for display.
  expect(facts.frames).toBe(16);
  expect(facts.decodedFrames).toBe(16);
  expect([facts.width, facts.height]).toEqual([256, 256]);
  expect([facts.decodedWidth, facts.decodedHeight]).toEqual([256, 256]);
}

interface DemoFrames {
  /** Per frame: share of pixels that are clearly red, and the red pixels' mean row (0 = top, 1 = bottom). */
  redShare: number[];
  redRow: number[];
  /** Mean colour of the bottom 10% of rows (the grass band), over all frames. */
  bottom: [number, number, number];
  /** Per frame: mean red, green and blue of the whole picture. */
  mean: [number, number, number][];
  /** Per frame: the media time (s) of the frame that was drawn. */
  time: number[];
}

/**
 * Reads the generated clip back frame by frame through the page's own <video> and a canvas, and measures
 * the red object and the ground: what a person would judge by eye, made checkable.
 */
async function readDemoFrames(page: Page, frames: number, fps: number): Promise<DemoFrames> {
  return page.getByTestId('result').locator('video').evaluate(async (el, { frames, fps }) => {
    const video = el as HTMLVideoElement;
    video.pause();
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    const redShare: number[] = [];
    const redRow: number[] = [];
    const bottom = [0, 0, 0];
    let bottomN = 0;
    const mean: [number, number, number][] = [];
    const time: number[] = [];
    for (let i = 0; i < frames; i++) {
      // 'seeked' can fire before the new frame reaches the element (CI once drew frame 14 for frame 15),
      // so draw inside requestVideoFrameCallback, which hands over the presented frame and its time.
      // A seek that lands on the frame already shown presents nothing new: then 'seeked' plus a pause.
      const presented = await new Promise<number>((resolve) => {
        let seeked = false;
        let done = false;
        const finish = (mediaTime: number): void => { if (!done) { done = true; ctx.drawImage(video, 0, 0); resolve(mediaTime); } };
        video.requestVideoFrameCallback((_now, meta) => finish(meta.mediaTime));
        video.addEventListener('seeked', () => { seeked = true; setTimeout(() => { if (seeked) finish(video.currentTime); }, 500); }, { once: true });
        video.currentTime = (i + 0.5) / fps;
      });
      time.push(presented);
      const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let red = 0;
      let rowSum = 0;
      const sum = [0, 0, 0];
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const o = (y * width + x) * 4;
          const r = data[o]!, g = data[o + 1]!, b = data[o + 2]!;
          sum[0]! += r; sum[1]! += g; sum[2]! += b;
          if (r > 150 && g < 110 && b < 110) { red++; rowSum += y; }
          if (y >= height * 0.9) { bottom[0]! += r; bottom[1]! += g; bottom[2]! += b; bottomN++; }
        }
      }
      mean.push(sum.map((v) => v / (width * height)) as [number, number, number]);
      redShare.push(red / (width * height));
      redRow.push(red ? rowSum / red / height : Number.NaN);
    }
    return { redShare, redRow, bottom: bottom.map((v) => v / bottomN) as [number, number, number], mean, time };
  }, { frames, fps });
}

async function openDefault(page: Page, backend: 'wasm' | 'webgpu', query = ''): Promise<void> {
  logConsole(page);
  await page.goto(`/?backend=${backend}${query}`);
  expect(await waitReady(page, 170_000)).toBe(backend);
  await expect(page.getByText('TEST FIXTURE', { exact: true })).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);
}

// A whole clip at the pack's default steps takes about a minute here when the
// machine is busy; SwiftShader runs a step in tens of seconds.
test.setTimeout(420_000);

test('the default page installs the built-in model and generates on WASM', async ({ page }) => {
  await openDefault(page, 'wasm');
  await expect(page.getByTestId('model-status')).toContainText('Zoetrope Shapes');
  await expect(page.getByTestId('graph-info')).toContainText('Denoiser graph: denoiser.wasm.onnx.');
  // The pack's own default step count: what a person gets without touching settings.
  const steps = Number(await page.getByTestId('steps').inputValue());
  expect(steps).toBeGreaterThanOrEqual(8);
  // And the page's own seed. (This test used seed 7 until pack 0.2.3, whose clip for it loses the ball
  // for 7 frames. Over seeds 0-47 of this prompt on the WASM path, 45 clips pass the checks below with
  // 0.2.4 and with 0.2.5 (12 steps), 46 with 0.2.3 and 46 with 0.2.2; they fail on seeds 7, 11 and 31; 7 and 31; and
  // 11 and 31: models/README.md.)
  const seed = Number(await page.getByTestId('seed').inputValue());
  await page.getByTestId('prompt').fill(PROMPT);
  await expect(page.getByTestId('prompt-check')).toBeEmpty();
  const facts = await generate(page, { prompt: PROMPT, seed, steps }, 400_000);
  expectBuiltInVideo(facts);
  expect(facts.backend).toBe('wasm');

  // The clip shows what was asked for: a red object in (nearly) every frame, green ground along the
  // bottom, and vertical travel, since a bouncing ball falls to the floor and rises again.
  const seen = await readDemoFrames(page, 16, 8);
  console.log(`demo clip: media times ${seen.time.map((t) => t.toFixed(3)).join(' ')}`);
  console.log(`demo clip: red share ${seen.redShare.map((v) => v.toFixed(3)).join(' ')}; ` +
    `red row ${seen.redRow.map((v) => v.toFixed(2)).join(' ')}; bottom rgb ${seen.bottom.map(Math.round).join(',')}`);
  const withRed = seen.redShare.filter((v) => v > 0.01);
  expect(withRed.length).toBeGreaterThanOrEqual(14);
  const [r, g, b] = seen.bottom;
  expect(g).toBeGreaterThan(r + 30);
  expect(g).toBeGreaterThan(b + 30);
  const rows = seen.redRow.filter((v) => Number.isFinite(v));
  expect(Math.max(...rows) - Math.min(...rows)).toBeGreaterThan(0.15);
});

test('the built-in model runs on WebGPU (SwiftShader, 2 steps), its frames as WASM makes them on the same graph', async ({ page, context }) => {
  await openDefault(page, 'webgpu');
  // WebGPU keeps the pack's default graph (weight-only int8, FastGelu): the WASM variant's int8 ops have no WebGPU kernels.
  await expect(page.getByTestId('graph-info')).toContainText('Denoiser graph: denoiser.onnx.');
  const facts = await generate(page, { prompt: PROMPT, seed: 7, steps: 2 }, 400_000);
  expectBuiltInVideo(facts);
  expect(facts.backend).toBe('webgpu');
  const gpu = await readDemoFrames(page, 16, 8);

  // The same job on WASM with the variants off (?backendGraphs=0): the same graph, so the same
  // frames up to float rounding and the encoder. A kernel that computed something else on WebGPU
  // (FastGelu, LayerNormalization, the int8 weights) would move whole frames' colours.
  const cpu = await context.newPage();
  await openDefault(cpu, 'wasm', '&backendGraphs=0');
  await expect(cpu.getByTestId('graph-info')).toContainText('Denoiser graph: denoiser.onnx.');
  await generate(cpu, { prompt: PROMPT, seed: 7, steps: 2 }, 400_000);
  const wasm = await readDemoFrames(cpu, 16, 8);
  // Frames are compared when both pages drew the same media time: a frame that is one step off in
  // time moves a frame's mean by up to 5 here, which must not read as a kernel difference.
  const pairs = gpu.mean.flatMap((m, i) => (Math.abs(gpu.time[i]! - wasm.time[i]!) < 1e-3 ? [[m, wasm.mean[i]!] as const] : []));
  const worst = Math.max(...pairs.flatMap(([g, w]) => g.map((v, c) => Math.abs(v - w[c]!))));
  console.log(`WebGPU vs WASM, default graph, 2 steps: ${pairs.length} of 16 frames at the same media time; ` +
    `largest difference of a frame's mean colour ${worst.toFixed(2)} (0-255)`);
  expect(pairs.length).toBeGreaterThanOrEqual(12);
  expect(worst).toBeLessThan(2);
  for (const c of [0, 1, 2]) expect(Math.abs(gpu.bottom[c]! - wasm.bottom[c]!)).toBeLessThan(3);
});
