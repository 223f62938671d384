// Narrated lessons, the way a teacher makes one, on the TEST FIXTURE pack
// (random weights, 8 fps) with 2 steps on WASM: a 4-scene template whose
// scenes speak their captions by default; scene 1 recorded with the
// microphone (Chromium's fake device playing a WAV this test writes: a tone
// between two silences, labelled TEST FIXTURE), scene 3 set to no voice.
// The recording survives a reload; the voices are downloaded once; from
// "Make lesson video" to the download no request leaves the page; the MP4
// has one audio track that ffprobe reads with the video's duration, and
// whose loudness (decoded by ffmpeg) is above silence inside each voice's
// window and near zero before each voice and in the silent scene, ±50 ms;
// the page decodes it back the same way (WebCodecs) and says which scenes it
// heard; its <video> decodes the audio; the provenance names each source.
// A second test: after one visit, with the network cut, a spoken lesson is
// made again.
import { expect, test, type Page, type Request } from '@playwright/test';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTimeline } from '../../src/shared/lesson-timeline';
import { VOICE_LEAD_SECONDS } from '../../src/shared/narration';
import { voiceWindows } from '../../src/shared/narration-timing';
import { TRIM_MARGIN_SECONDS } from '../../src/lib/silence-trim';
import { appUrl, logConsole, saveDownload, waitReady } from './helpers';
import { toneWav } from '../../scripts/wav.mjs';

const FPS = 8;
const RATE = 48_000;
// The fake device plays the file once from when it opens (%noloop), and recording may begin up to ~0.5 s later: a long lead.
const TONE = { lead: 1.0, seconds: 1.5, tail: 0.5 };

/** TEST FIXTURE: a mono 16-bit WAV, silence, a 440 Hz tone at half scale, silence. */
function toneFile(): string {
  const data = toneWav([[TONE.lead, 0], [TONE.seconds, 0.5], [TONE.tail, 0]], { rate: RATE });
  const file = join(mkdtempSync(join(tmpdir(), 'zoetrope-mic-')), 'tone.wav');
  writeFileSync(file, data);
  return file;
}

const hasFfmpeg = spawnSync('ffprobe', ['-version']).status === 0;
const executablePath = process.env['ZOETROPE_CHROMIUM'] ?? '/usr/bin/chromium';
test.use({
  permissions: ['microphone'],
  launchOptions: {
    executablePath,
    args: [
      '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${toneFile()}%noloop`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  },
});

/** RMS of `samples` (mono, RATE) between two times. */
function rms(samples: Float32Array, from: number, to: number): number {
  const a = Math.max(0, Math.round(from * RATE));
  const b = Math.min(samples.length, Math.round(to * RATE));
  let sum = 0;
  for (let i = a; i < b; i++) sum += samples[i]! * samples[i]!;
  return b > a ? Math.sqrt(sum / (b - a)) : 0;
}

/** The first time after `from` where a 10 ms window's RMS passes `level`. */
function onset(samples: Float32Array, from: number, to: number, level = 0.01): number | null {
  for (let t = from; t < to; t += 0.005) if (rms(samples, t, t + 0.01) > level) return t;
  return null;
}

async function makeLesson(page: Page): Promise<void> {
  await page.getByTestId('lesson-generate').click();
  await expect(page.getByTestId('lesson-result')).toHaveAttribute('data-checked', 'yes', { timeout: 300_000 });
}

function track(into: string[]) {
  return (r: Request) => void (/^(blob|data):/.test(r.url()) || into.push(r.url()));
}

test('a narrated lesson: a recorded scene, spoken scenes and a silent one, with sound in the page and in ffmpeg', async ({ page, context }) => {
  test.setTimeout(600_000);
  logConsole(page);
  await page.goto(`${appUrl('wasm')}&view=lesson`);
  expect(await waitReady(page)).toBe('wasm');
  await page.getByTestId('template-gravity').click();
  const scenes = page.getByTestId('scene');
  await expect(scenes).toHaveCount(4);
  // Every template scene speaks its caption by default.
  for (let i = 0; i < 4; i++) await expect(scenes.nth(i).getByTestId('narration-source-tts')).toBeChecked();

  // The voices: a one-time download from the app's own origin, with progress.
  await page.getByTestId('voice-data-install').click();
  await expect(page.getByTestId('voice-data')).toBeHidden({ timeout: 120_000 });
  // The spoken scenes' lengths are measured once the voices are on the device, and no template's voice is cut.
  for (const template of ['left-right', 'colours-shapes', 'day-night', 'gravity']) {
    await page.getByTestId(`template-${template}`).click();
    const n = await scenes.count();
    for (let i = 0; i < n; i++) await expect(scenes.nth(i).getByTestId('narration-lengths')).toContainText(/Voice \d/, { timeout: 60_000 });
    await expect(page.getByTestId('narration-cut-warning')).toHaveCount(0);
  }
  await expect(scenes).toHaveCount(4);

  // Scene 1: recorded with the (fake) microphone.
  const first = scenes.nth(0);
  await first.getByTestId('narration-source-recording').check();
  await first.getByTestId('narration-record').click();
  await expect(first.getByTestId('narration-stop')).toBeVisible();
  await expect.poll(async () => Number(await first.getByTestId('narration-level').getAttribute('value')), { timeout: 10_000 }).toBeGreaterThan(0.1);
  await page.waitForTimeout(3000);
  await first.getByTestId('narration-stop').click();
  await expect(first.getByTestId('narration-stored')).toBeVisible({ timeout: 10_000 });
  const recorded = Number(/([\d.]+) s/.exec((await first.getByTestId('narration-lengths').textContent()) ?? '')?.[1]);
  console.log(`[figures] narration: the recording kept ${recorded} s of a ${TONE.seconds} s tone`);
  expect(Math.abs(recorded - (TONE.seconds + 2 * TRIM_MARGIN_SECONDS))).toBeLessThanOrEqual(0.2);
  // Scene 3: no voice.
  await scenes.nth(2).getByTestId('narration-source-none').check();
  // Short scenes for a fast test: 3 s each, fixed (not fitted), so the windows are known here.
  for (let i = 0; i < 4; i++) {
    const fit = scenes.nth(i).getByTestId('narration-fit');
    if (await fit.isVisible()) await fit.uncheck();
    await scenes.nth(i).getByTestId('scene-duration').fill('3');
  }
  await page.getByTestId('lesson-steps').fill('2');
  await page.getByTestId('lesson-size').selectOption('480');

  // Reload: the recording is still there.
  await page.waitForTimeout(500); // The lesson saves on change.
  await page.reload();
  expect(await waitReady(page)).toBe('wasm');
  await expect(scenes.nth(0).getByTestId('narration-stored')).toBeVisible();
  await expect(scenes.nth(0).getByTestId('narration-source-recording')).toBeChecked();
  await expect(scenes.nth(2).getByTestId('narration-source-none')).toBeChecked();

  // From "Make lesson video" to the download, nothing goes over the network.
  const during: string[] = [];
  page.on('request', track(during));
  context.on('request', track(during));
  const started = Date.now();
  await makeLesson(page);
  console.log(`[figures] narration: 4-scene narrated lesson made in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const { file, bytes } = await saveDownload(page, 'lesson-download', 'narrated.mp4');
  await page.waitForTimeout(300);
  expect(during).toEqual([]);

  // The page decoded the file's audio back (WebCodecs, through mediabunny): its rate, length, and loudness per scene.
  const check = JSON.parse((await page.getByTestId('lesson-result').getAttribute('data-audio-check')) ?? 'null') as {
    sampleRate: number; decodedSeconds: number; scenes: { lead: number; voice: number }[]; heard: number[];
  };
  console.log(`[figures] narration, decoded in the page: ${JSON.stringify(check)}`);
  expect(check.sampleRate).toBe(RATE);
  expect(Math.abs(check.decodedSeconds - buildTimeline([3, 3, 3, 3].map((duration) => ({ duration })), FPS).totalFrames / FPS)).toBeLessThan(0.03);
  expect(check.heard).toEqual([1, 2, 4]);
  for (const [i, scene] of check.scenes.entries()) {
    expect(scene.lead).toBeLessThan(0.002);
    if (i === 2) expect(scene.voice).toBeLessThan(0.002);
    else expect(scene.voice).toBeGreaterThan(0.02);
  }
  await expect(page.getByTestId('lesson-sound-check')).toContainText('a voice is heard in scenes 1, 2, 4');

  // The page's own <video> decodes the audio track.
  const decoded = await page.getByTestId('lesson-video').evaluate(async (v: HTMLVideoElement) => {
    v.muted = true;
    v.currentTime = 0;
    await v.play();
    await new Promise((r) => setTimeout(r, 1500));
    v.pause();
    return (v as HTMLVideoElement & { webkitAudioDecodedByteCount: number }).webkitAudioDecodedByteCount;
  });
  expect(decoded).toBeGreaterThan(0);

  // Provenance names the sources, never the audio.
  const comment = /"narration":\[[^\]]*\]/.exec(bytes.toString('latin1'))?.[0] ?? '';
  expect(comment).toContain('"source":"recording"');
  expect(comment).toContain('"source":"tts"');
  expect(comment).toContain('espeak-ng');

  test.skip(!hasFfmpeg, 'ffprobe/ffmpeg are not installed (apt-get install ffmpeg): the audio was checked in the page only');
  const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]).toString()) as {
    streams: { codec_type: string; codec_name: string; sample_rate?: string; duration?: string }[];
    format: { duration: string };
  };
  const audio = probe.streams.filter((s) => s.codec_type === 'audio');
  expect(audio).toHaveLength(1);
  const timeline = buildTimeline([3, 3, 3, 3].map((duration) => ({ duration })), FPS);
  const seconds = timeline.totalFrames / FPS;
  expect(Number(audio[0]!.duration)).toBeCloseTo(seconds, 1);
  expect(Number(audio[0]!.sample_rate)).toBe(RATE);
  console.log(`[figures] narration: ${audio[0]!.codec_name} ${audio[0]!.sample_rate} Hz, ${audio[0]!.duration} s; file ${bytes.length} bytes`);
  const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', String(RATE), '-f', 'f32le', '-'], { maxBuffer: 1 << 28 });
  const samples = new Float32Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 4);
  const windows = voiceWindows(timeline);
  for (const [i, w] of windows.entries()) {
    const voiceAt = w.start + VOICE_LEAD_SECONDS;
    const quietBefore = rms(samples, w.start + 0.05, voiceAt - 0.05);
    const heard = onset(samples, w.start, w.end + 0.05);
    const loud = rms(samples, voiceAt + 0.05, Math.min(w.end, voiceAt + 0.6));
    const after = rms(samples, w.end + 0.05, (windows[i + 1]?.start ?? seconds) + VOICE_LEAD_SECONDS - 0.05);
    console.log(`[figures] narration scene ${i + 1}: window ${w.start.toFixed(3)}–${w.end.toFixed(3)} s, onset ${heard?.toFixed(3)}, RMS before ${quietBefore.toFixed(4)}, in ${loud.toFixed(4)}`);
    if (i === 2) {
      expect(rms(samples, w.start + 0.05, w.end - 0.05)).toBeLessThan(0.002);
      continue;
    }
    expect(quietBefore).toBeLessThan(0.002);
    expect(loud).toBeGreaterThan(0.02);
    expect(heard).not.toBeNull();
    // The recording starts with the kept trim margin of silence; a spoken voice starts within its first consonant.
    const expected = voiceAt + (i === 0 ? TRIM_MARGIN_SECONDS : 0);
    expect(heard!).toBeGreaterThanOrEqual(expected - 0.05);
    expect(heard!).toBeLessThanOrEqual(expected + (i === 0 ? 0.05 : 0.15));
    expect(after).toBeLessThan(i === 1 ? 0.002 : 1);
  }
});

test('offline: after one visit, a spoken lesson is made with the network cut', async ({ page, context }) => {
  test.setTimeout(420_000);
  logConsole(page);
  await page.goto(`${appUrl('wasm')}&view=lesson`);
  expect(await waitReady(page)).toBe('wasm');
  await page.getByTestId('template-day-night').click();
  await page.getByTestId('voice-data-install').click();
  await expect(page.getByTestId('voice-data')).toBeHidden({ timeout: 120_000 });
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
  });
  await context.setOffline(true);
  await page.reload();
  expect(await waitReady(page)).toBe('wasm');
  const scenes = page.getByTestId('scene');
  await expect(scenes).toHaveCount(4);
  for (let i = 0; i < 4; i++) await scenes.nth(i).getByTestId('scene-duration').fill('1.5');
  await page.getByTestId('lesson-steps').fill('1');
  await page.getByTestId('lesson-size').selectOption('480');
  await makeLesson(page);
  await expect(page.getByTestId('lesson-result')).toHaveAttribute('data-audio', /opus|aac/);
  await context.setOffline(false);
});
