// Lessons on the TEST FIXTURE pack (random weights, 8 frames of 32x32 at 8 fps)
// with 2 steps on WASM: a 3-scene lesson from a template, edited (keyboard and
// drag reorder, duplicate, delete), generated and exported to a 720p MP4; the
// file read back in Node with mediabunny (duration, size, frame count,
// metadata tags); burned captions seen in the pixels; an edited scene
// regenerated alone; reload keeps the lesson and the gallery; a dropped
// lesson MP4 reopens its lesson.
import { expect, test, type Page } from '@playwright/test';
import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from 'mediabunny';
import { appUrl, logConsole, saveDownload, waitReady } from './helpers';

const FPS = 8;
const CROSSFADE = 4; // 0.5 s at 8 fps

async function prompts(page: Page): Promise<string[]> {
  return page.getByTestId('scene-prompt').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
}

async function makeLesson(page: Page, previous: number): Promise<void> {
  await page.getByTestId('lesson-generate').click();
  const result = page.getByTestId('lesson-result');
  await expect(result).toHaveAttribute('data-serial', String(previous + 1), { timeout: 240_000 });
  await expect(result).toHaveAttribute('data-checked', 'yes', { timeout: 60_000 });
}

/** Mean absolute RGB difference per band between two exports, read by seeking a <video> in the page. */
async function bandDifference(page: Page, urlA: string, urlB: string, seconds: number[]) {
  return page.evaluate(
    async ({ urlA, urlB, seconds }) => {
      async function grab(url: string, t: number): Promise<Uint8ClampedArray> {
        const v = document.createElement('video');
        v.muted = true;
        v.src = url;
        await new Promise((r) => v.addEventListener('loadeddata', r, { once: true }));
        v.currentTime = t;
        await new Promise((r) => v.addEventListener('seeked', r, { once: true }));
        const c = document.createElement('canvas');
        c.width = v.videoWidth;
        c.height = v.videoHeight;
        const ctx = c.getContext('2d')!;
        ctx.drawImage(v, 0, 0);
        return ctx.getImageData(0, 0, c.width, c.height).data;
      }
      const W = 1280;
      const H = 720;
      // Caption band: the lower quarter. Control band: the upper-left quarter (no caption, no AI mark).
      const bands = { caption: [0, W, Math.round(H * 0.72), H], control: [0, W / 2, 0, Math.round(H * 0.4)] } as const;
      const out = { caption: 0, control: 0 };
      for (const t of seconds) {
        const [a, b] = [await grab(urlA, t), await grab(urlB, t)];
        for (const [name, [x0, x1, y0, y1]] of Object.entries(bands) as [keyof typeof bands, readonly number[]][]) {
          let sum = 0;
          let n = 0;
          for (let y = y0!; y < y1!; y++) {
            for (let x = x0!; x < x1!; x++) {
              const o = (y * W + x) * 4;
              sum += Math.abs(a[o]! - b[o]!) + Math.abs(a[o + 1]! - b[o + 1]!) + Math.abs(a[o + 2]! - b[o + 2]!);
              n += 3;
            }
          }
          out[name] += sum / n / seconds.length;
        }
      }
      return out;
    },
    { urlA, urlB, seconds },
  );
}

test('lesson: template, edit, generate, export 720p with captions and provenance; reload keeps it; a dropped lesson reopens', async ({ page }) => {
  test.setTimeout(600_000);
  logConsole(page);
  // Each clip the engine makes for a lesson is frames only: no MP4, no encoding phase (the lesson encodes once).
  const clipJobs: { mp4: unknown; phases: string[]; encodeMs: number }[] = [];
  page.on('console', (msg) => {
    const text = msg.text();
    if (text.startsWith('[zoetrope:timing] ') && text.includes('"lesson-clip"')) clipJobs.push(JSON.parse(text.slice('[zoetrope:timing] '.length)));
  });
  await page.goto(`${appUrl('wasm')}&view=lesson`);
  expect(await waitReady(page)).toBe('wasm');

  // A template, cut to 3 scenes.
  await page.getByTestId('template-gravity').click();
  await expect(page.getByTestId('scene')).toHaveCount(4);
  const original = await prompts(page);
  await page.getByTestId('scene-delete').nth(3).click();
  await expect(page.getByTestId('scene')).toHaveCount(3);

  // Keyboard reorder: Alt+Down on the first scene's handle.
  await page.getByTestId('scene-handle').first().focus();
  await page.keyboard.press('Alt+ArrowDown');
  expect(await prompts(page)).toEqual([original[1], original[0], original[2]]);
  await expect(page.getByTestId('scene-handle').nth(1)).toBeFocused();
  // Drag reorder: the third scene onto the first. Headless Debian Chromium starts no native drag from
  // Playwright's mouse (no dragstart fires), so the drag events are dispatched, with a real DataTransfer.
  const transfer = await page.evaluateHandle(() => new DataTransfer());
  await page.getByTestId('scene-grip').nth(2).dispatchEvent('dragstart', { dataTransfer: transfer });
  await page.getByTestId('scene').nth(0).dispatchEvent('dragover', { dataTransfer: transfer });
  await page.getByTestId('scene').nth(0).dispatchEvent('drop', { dataTransfer: transfer });
  expect(await prompts(page)).toEqual([original[2], original[1], original[0]]);
  // Duplicate the first, then delete the copy again.
  await page.getByTestId('scene-duplicate').first().click();
  expect(await prompts(page)).toEqual([original[2], original[2], original[1], original[0]]);
  await page.getByTestId('scene-delete').nth(1).click();
  expect(await prompts(page)).toEqual([original[2], original[1], original[0]]);

  // Short scenes for a fast test: 1 s (one clip), 2 s (continued: 2 clips of 8 frames), 1.5 s.
  const durations = [1, 2, 1.5];
  for (const [i, d] of durations.entries()) await page.getByTestId('scene-duration').nth(i).fill(String(d));
  await page.getByTestId('lesson-title').fill('Gravity test lesson');
  await page.getByTestId('lesson-extend').selectOption('continue');
  await page.getByTestId('lesson-steps').fill('2');
  await expect(page.getByTestId('lesson-size')).toHaveValue('720');

  await makeLesson(page, 0);
  // 1 + 3 + 2 clips of 8 frames (each continuation adds 4 new frames after 4 known ones).
  expect(clipJobs.length).toBe(6);
  for (const job of clipJobs) {
    expect(job.mp4).toBeNull();
    // The engine awaits its 'done' event before it returns (engine.worker.ts settledDone), so every
    // progress event of the clip has reached the page before its result.
    expect(job.phases).toContain('step');
    expect(job.phases).toContain('done');
    expect(job.phases.every((p) => ['text', 'step', 'decoding', 'frames', 'done'].includes(p))).toBe(true);
    expect(job.phases).not.toContain('encoding');
    expect(job.encodeMs).toBe(0);
  }
  const frames = durations.map((d) => d * FPS).reduce((a, b) => a + b) - 2 * CROSSFADE;
  const result = page.getByTestId('lesson-result');
  await expect(result).toHaveAttribute('data-decoded-frames', String(frames));
  await expect(result).toHaveAttribute('data-decoded-width', '1280');
  await expect(result).toHaveAttribute('data-decoded-height', '720');
  await expect(page.getByTestId('scene-state')).toHaveText(['Ready', 'Ready', 'Ready']);

  // The downloaded file, read back in Node: duration, size, frame count, captions track, provenance tags.
  const { file, bytes } = await saveDownload(page, 'lesson-download', 'lesson.mp4');
  const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS });
  const track = (await input.getPrimaryVideoTrack())!;
  expect([track.displayWidth, track.displayHeight]).toEqual([1280, 720]);
  let packets = 0;
  for await (const _ of new EncodedPacketSink(track).packets()) packets++;
  expect(packets).toBe(frames);
  expect(await track.computeDuration()).toBeCloseTo(frames / FPS, 2);
  // The template's scenes speak (TTS by default): one audio track, ending with the video up to one 20 ms Opus frame.
  const audioTracks = await input.getAudioTracks();
  expect(audioTracks).toHaveLength(1);
  expect(Math.abs((await input.computeDuration()) - frames / FPS)).toBeLessThanOrEqual(0.021);
  // mediabunny's MP4 reader skips subtitle tracks, so look for the WebVTT sample entry and a cue's text in the bytes.
  expect(bytes.includes('wvtt')).toBe(true);
  expect(bytes.includes('Every thing falls:')).toBe(true);
  const tags = await input.getMetadataTags();
  expect(tags.title).toBe('Gravity test lesson');
  expect(tags.description).toContain('AI-generated by Zoetrope');
  const record = JSON.parse(tags.comment ?? '{}');
  expect(record).toMatchObject({ zoetrope: 1, kind: 'lesson', model: 'zoetrope-fixture-tiny@0.1.0', backend: 'wasm', steps: 2, guidance: 4 });
  expect(record.modelHash).toMatch(/^[0-9a-f]{64}$/);
  // Continuation of 8-frame clips with 4 known frames: 16 frames take 3 clips, 12 frames take 2.
  expect(record.clips.map((c: { prompt: string }) => c.prompt)).toEqual([original[2], original[1], original[1], original[1], original[0], original[0]]);
  expect(record.lesson.scenes).toHaveLength(3);
  input.dispose();

  // The same lesson without burned captions: nothing is generated again, and the pixels differ only where the captions were.
  const withCaptions = await page.getByTestId('lesson-video').getAttribute('src');
  await page.getByTestId('lesson-burn-captions').uncheck();
  await makeLesson(page, 1);
  await expect(page.getByTestId('scene-state')).toHaveText(Array(3).fill('Ready (unchanged, kept)'));
  const withoutCaptions = await page.getByTestId('lesson-video').getAttribute('src');
  expect(withoutCaptions).not.toBe(withCaptions);
  // withCaptions was revoked when the result changed: keep a copy from the download instead.
  const keptUrl = await page.evaluate((b64) => {
    const raw = atob(b64);
    const data = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) data[i] = raw.charCodeAt(i);
    return URL.createObjectURL(new Blob([data], { type: 'video/mp4' }));
  }, bytes.toString('base64'));
  const diff = await bandDifference(page, keptUrl, withoutCaptions!, [0.5, 1.6, 2.6]);
  console.log(`[figures] caption band mean |diff| ${diff.caption.toFixed(2)}, control band ${diff.control.toFixed(2)} (0-255 scale)`);
  expect(diff.caption).toBeGreaterThan(8);
  expect(diff.control).toBeLessThan(2);

  // Editing one scene's prompt regenerates that scene only.
  await page.getByTestId('scene-prompt').nth(1).fill('a small green ball bouncing on the sand');
  await makeLesson(page, 2);
  await expect(page.getByTestId('scene-state')).toHaveText(['Ready (unchanged, kept)', 'Ready', 'Ready (unchanged, kept)']);

  // Reload: the lesson and the gallery entries are still there.
  const lessonId = await page.getByTestId('lesson-editor').getAttribute('data-lesson-id');
  await page.reload();
  expect(await waitReady(page)).toBe('wasm');
  await expect(page.getByTestId('lesson-editor')).toHaveAttribute('data-lesson-id', lessonId!);
  await expect(page.getByTestId('lesson-title')).toHaveValue('Gravity test lesson');
  expect(await prompts(page)).toEqual([original[2], 'a small green ball bouncing on the sand', original[0]]);
  await page.getByTestId('nav-gallery').click();
  await expect(page.getByTestId('gallery-item')).toHaveCount(3);
  await expect(page.getByTestId('gallery-usage')).toContainText('3 videos');

  // Remix of the first lesson file: its lesson comes back as a new lesson.
  await page.getByTestId('remix-input').setInputFiles(file);
  await expect(page.getByTestId('lesson-screen')).toBeVisible();
  await expect(page.getByTestId('lesson-editor')).not.toHaveAttribute('data-lesson-id', lessonId!);
  await expect(page.getByTestId('lesson-title')).toHaveValue('Gravity test lesson');
  expect(await prompts(page)).toEqual([original[2], original[1], original[0]]);
});

test('lesson JSON import names the bad field; the editor fits a phone', async ({ page }) => {
  logConsole(page);
  await page.goto(`${appUrl('wasm')}&view=lesson`);
  const bad = { title: 'Broken', scenes: [{ prompt: 'a red ball', caption: 'one\ntwo\nthree', duration: 3 }] };
  await page.getByTestId('lesson-import-input').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
  const error = page.getByTestId('error');
  await expect(error).toHaveAttribute('data-error-name', 'LessonFileError');
  await error.getByText('Details').click();
  await expect(error).toContainText('scenes[0].caption: expected at most 2 lines');

  // The editor fits a phone-sized screen: no sideways scrolling at 360 px.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.getByTestId('template-colours-shapes').click();
  await expect(page.getByTestId('scene')).toHaveCount(5);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
});

test('a lesson can be cancelled, and the engine is free again', async ({ page }) => {
  logConsole(page);
  await page.goto(`${appUrl('wasm')}&view=lesson`);
  expect(await waitReady(page)).toBe('wasm');
  await page.getByTestId('template-left-right').click();
  // Many steps, so that the first scene is still running when Cancel is pressed.
  await page.getByTestId('lesson-steps').fill('200');
  await page.getByTestId('lesson-generate').click();
  await expect(page.getByTestId('scene-state').first()).toHaveText('Generating');
  await expect(page.getByTestId('scene-progress').first()).toBeVisible();
  await expect(page.getByTestId('lesson-generate')).toHaveText('Cancel lesson');
  await page.getByTestId('lesson-generate').click();
  await expect(page.getByTestId('lesson-job')).toBeHidden({ timeout: 60_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('lesson-result')).toHaveCount(0);
  await expect(page.getByTestId('scene-state').first()).toHaveText('');
  // The Generate screen is free again.
  await page.getByTestId('nav-generate').click();
  await page.getByTestId('prompt').fill('a red ball');
  await expect(page.getByTestId('generate')).toBeEnabled();
});
