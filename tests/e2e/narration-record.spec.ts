// Narration from the microphone and from audio files, through the real
// NarrationEditor on its test page (src/test-pages/narration-editor.html),
// the real capture path (Chromium's fake microphone playing a WAV this spec
// writes: 1 s silence, 1.5 s of 440 Hz, 0.5 s silence, played once with
// %noloop), the real recorder worklet under the built app's CSP, and real
// IndexedDB: the level meter moves, Stop keeps the take trimmed to the tone,
// the microphone is released, a reload still has it; a good file is kept
// (mixed to mono, at 48 kHz), a damaged or too long one is refused by name
// with nothing stored; a refused microphone says so.
import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toneWav } from '../../scripts/wav.mjs';

const PAGE = '/src/test-pages/narration-editor.html';
const TONE_SECONDS = 1.5;
const executablePath = process.env['ZOETROPE_CHROMIUM'] ?? '/usr/bin/chromium';
const BASE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const wav = toneWav;

// Written when the spec loads, because the browser's launch arguments name it.
const dir = mkdtempSync(join(tmpdir(), 'zoetrope-mic-'));
const MIC_WAV = join(dir, 'mic.wav');
// A full second of silence first: the file starts playing when the device opens, and under load the
// worklet may start collecting up to ~0.5 s later (the person, by contrast, starts speaking once the meter shows).
writeFileSync(MIC_WAV, wav([[1, 0], [TONE_SECONDS, 0.5], [0.5, 0]]));
const FAKE_MIC = ['--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${MIC_WAV}%noloop`];
// The fake microphone for the whole file (launch options are per worker); the permission is granted per test.
test.use({ launchOptions: { executablePath, args: [...BASE_ARGS, ...FAKE_MIC] } });

interface StoredFacts {
  id: string;
  source: string;
  fileName: string | null;
  sampleRate: number;
  length: number;
  peak: number;
}

/** What zoetrope-narration holds, read straight from IndexedDB (without creating the database if absent). */
async function storedAudio(page: Page): Promise<StoredFacts[]> {
  return page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'zoetrope-narration')) return [];
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('zoetrope-narration');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    try {
      if (!db.objectStoreNames.contains('audio')) return [];
      const all = await new Promise<{ id: string; source: string; fileName: string | null; sampleRate: number; samples: Float32Array }[]>((resolve, reject) => {
        const r = db.transaction('audio').objectStore('audio').getAll();
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      return all.map((a) => ({ id: a.id, source: a.source, fileName: a.fileName, sampleRate: a.sampleRate, length: a.samples.length, peak: a.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0) }));
    } finally {
      db.close();
    }
  });
}

/** Keeps every stream getUserMedia hands out (the real ones), so the test can see their tracks ended. */
async function watchStreams(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const streams: MediaStream[] = [];
    (window as unknown as { __streams: MediaStream[] }).__streams = streams;
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (c) => {
      const s = await real(c);
      streams.push(s);
      return s;
    };
  });
}

test.describe('recording from the microphone', () => {
  test.use({ permissions: ['microphone'] });

  test('records with a live level, keeps the take trimmed to the tone, releases the microphone, survives a reload', async ({ page }) => {
    await watchStreams(page);
    await page.goto(PAGE);
    await expect(page.getByTestId('narration-source-recording')).toBeChecked();
    await page.getByTestId('narration-record').click();

    const meter = page.getByTestId('narration-level');
    await expect(meter).toBeVisible();
    await expect.poll(() => meter.evaluate((m) => (m as HTMLMeterElement).value), { timeout: 10_000, intervals: [50] }).toBeGreaterThan(0.2);
    const progress = page.getByTestId('narration-record-progress');
    await expect.poll(() => progress.evaluate((p) => (p as HTMLProgressElement).value), { timeout: 15_000 }).toBeGreaterThan(3.5);
    await page.getByTestId('narration-stop').click();

    const stored = page.getByTestId('narration-stored');
    await expect(stored).toBeVisible();
    const [take, ...others] = await storedAudio(page);
    expect(others).toHaveLength(0);
    expect(take?.source).toBe('recording');
    const seconds = (take?.length ?? 0) / (take?.sampleRate ?? 1);
    console.log(`[figures] recorded ${seconds.toFixed(3)} s at ${take?.sampleRate} Hz after trimming (tone ${TONE_SECONDS} s), peak ${take?.peak.toFixed(3)}`);
    expect(Math.abs(seconds - TONE_SECONDS)).toBeLessThanOrEqual(0.15);
    await expect(stored).toHaveAttribute('data-audio-id', take?.id ?? '');
    expect(Number(await page.getByTestId('harness-voice-length').textContent())).toBeCloseTo(seconds, 2);
    await expect(page.getByTestId('narration-lengths')).toHaveText(`Voice ${seconds.toFixed(1)} s · Scene 5.0 s`);
    expect(JSON.parse((await page.getByTestId('harness-narration').textContent()) ?? '{}')).toMatchObject({ source: 'recording', audioId: take?.id });

    // The microphone light goes off: every track the recording opened has ended.
    const states = await page.evaluate(() => (window as unknown as { __streams: MediaStream[] }).__streams.flatMap((s) => s.getTracks().map((t) => t.readyState)));
    expect(states.length).toBeGreaterThan(0);
    expect(states.every((s) => s === 'ended')).toBe(true);

    // Play back runs for the take's length, then the button comes back.
    const play = page.getByTestId('narration-play');
    await play.click();
    await expect(play).toHaveText('Stop playing');
    await expect(play).toHaveText('Play back', { timeout: 10_000 });

    await page.reload();
    await expect(page.getByTestId('narration-stored')).toHaveAttribute('data-audio-id', take?.id ?? '');
    expect(await storedAudio(page)).toEqual([take]);

    await page.getByTestId('narration-rerecord').click();
    await expect.poll(() => page.getByTestId('narration-record-progress').evaluate((p) => (p as HTMLProgressElement).value), { timeout: 15_000 }).toBeGreaterThan(3.5);
    await page.getByTestId('narration-stop').click();
    // Re-record (the fake device plays its file again from the start on each open): the new take replaces
    // the old one, which is deleted only after the new one is stored.
    await expect(page.getByTestId('narration-stored')).not.toHaveAttribute('data-audio-id', take?.id ?? '');
    const [again, ...rest] = await storedAudio(page);
    expect(rest).toHaveLength(0);
    expect(again?.id).not.toBe(take?.id);
    expect(Math.abs((again?.length ?? 0) / (again?.sampleRate ?? 1) - TONE_SECONDS)).toBeLessThanOrEqual(0.15);
    await page.getByTestId('narration-delete').click();
    await page.getByTestId('narration-delete-confirm').click();
    await expect(page.getByTestId('narration-record')).toBeVisible();
    expect(await storedAudio(page)).toEqual([]);
  });
});

test.describe('a refused microphone', () => {
  // Not granted: headless Chromium then answers the permission request with a refusal.

  test('says the microphone was refused and what to do, and stores nothing', async ({ page }) => {
    await page.goto(PAGE);
    await page.getByTestId('narration-record').click();
    const error = page.getByTestId('error');
    await expect(error).toHaveAttribute('data-error-name', 'MicrophoneDeniedError');
    await expect(error).toContainText('not allowed to use the microphone');
    await expect(error).toContainText('press Record again');
    await expect(page.getByTestId('narration-record')).toBeEnabled();
    expect(await storedAudio(page)).toEqual([]);
  });
});

test.describe('audio files', () => {
  test('a damaged file and a too long one are refused by name; a good one is kept as 48 kHz mono', async ({ page }) => {
    await page.goto(`${PAGE}?source=file`);
    const picker = page.getByTestId('narration-file');
    const error = page.getByTestId('error');

    const good = wav([[0.2, 0], [1, 0.4], [0.2, 0]], { rate: 44_100, channels: 2 });
    const damaged = Buffer.concat([good.subarray(0, 12), Buffer.from('this is not audio at all '.repeat(40))]);
    await picker.setInputFiles({ name: 'broken.wav', mimeType: 'audio/wav', buffer: damaged });
    await expect(error).toHaveAttribute('data-error-name', 'AudioFileError');
    await expect(error).toContainText('This audio file cannot be used');
    await expect(error).toContainText('broken.wav');
    expect(await storedAudio(page)).toEqual([]);

    await picker.setInputFiles({ name: 'long.wav', mimeType: 'audio/wav', buffer: wav([[61, 0.3]], { rate: 8000 }) });
    await expect(error).toContainText('"long.wav" lasts 61.0 s');
    expect(await storedAudio(page)).toEqual([]);

    await picker.setInputFiles({ name: 'tone.wav', mimeType: 'audio/wav', buffer: good });
    const stored = page.getByTestId('narration-stored');
    await expect(stored).toContainText('"tone.wav", 1.4 s');
    await expect(error).toHaveCount(0);
    const [kept, ...others] = await storedAudio(page);
    expect(others).toHaveLength(0);
    expect(kept).toMatchObject({ source: 'file', fileName: 'tone.wav', sampleRate: 48_000 });
    // 1.4 s resampled to 48 kHz; both channels were equal, so the mono mix keeps their level (0.4).
    expect(Math.abs((kept?.length ?? 0) - 1.4 * 48_000)).toBeLessThanOrEqual(48);
    expect(kept?.peak).toBeGreaterThan(0.38);
    expect(kept?.peak).toBeLessThan(0.42);

    // A damaged file after a good one leaves the good one in place.
    await picker.setInputFiles({ name: 'broken.wav', mimeType: 'audio/wav', buffer: damaged });
    await expect(error).toHaveAttribute('data-error-name', 'AudioFileError');
    expect(await storedAudio(page)).toEqual([kept]);
    await expect(stored).toHaveAttribute('data-audio-id', kept?.id ?? '');
  });
});
