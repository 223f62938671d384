// Text-to-speech in the production build, through its documented test hook
// (?testhook=tts, src/lib/tts-test-hook.ts): the voice data installs from the
// app's own origin with progress that never goes back, the real worker speaks
// an English and an Italian caption (audible, of a plausible length, the same
// bytes twice), a damaged download is refused with IntegrityError and leaves
// nothing stored, and once installed it speaks with the voices route failing.
// Service workers are blocked so that every request is the page's own and a
// route sees it; storage is IndexedDB, which needs no service worker.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { logConsole } from './helpers';
import type { HookResult, SpokenFacts, TtsTestHook } from '../../src/lib/tts-test-hook';
import type { VoiceDataProgress } from '../../src/shared/tts-api';

const EN = 'A small red ball bounces across the green hill.\nThen it rolls away.';
const IT = 'Una piccola palla rossa rimbalza sulla collina verde.\nPoi rotola via.';
const words = (s: string) => s.split(/\s+/).filter(Boolean).length;
const DATA = 'node_modules/@echogarden/espeak-ng-emscripten/espeak-ng.data';
const DATA_SIZE = readFileSync(DATA).byteLength;

async function openHook(page: Page): Promise<void> {
  logConsole(page);
  await page.goto('/?testhook=tts');
  await page.waitForFunction(() => 'zoetropeTts' in window);
}

function spoken(result: HookResult<SpokenFacts>, text: string): SpokenFacts {
  if (!result.ok) throw new Error(`speak failed: ${result.name}: ${result.message}`);
  const facts = result.value;
  expect(facts.sampleRate).toBe(22_050);
  expect(facts.rms).toBeGreaterThan(0.02); // espeak-ng speaks at about 0.08–0.1 RMS; silence is 0.
  expect(facts.peak).toBeLessThan(1);
  const perWord = facts.seconds / words(text);
  expect(perWord).toBeGreaterThan(0.2);
  expect(perWord).toBeLessThan(1.0);
  return facts;
}

test('installs the voice data, speaks English and Italian in the worker, the same bytes twice, then with the voices route failing', async ({ browser }) => {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  await openHook(page);
  expect(await page.evaluate(() => (window as unknown as { zoetropeTts: TtsTestHook }).zoetropeTts.installed())).toBe(false);

  const installed = await page.evaluate(() => (window as unknown as { zoetropeTts: TtsTestHook }).zoetropeTts.install());
  if (!installed.ok) throw new Error(`install failed: ${installed.name}: ${installed.message}`);
  const events: VoiceDataProgress[] = installed.value;
  expect(events[0]).toEqual({ stage: 'checking' });
  expect(events.at(-1)).toEqual({ stage: 'ready', bytes: DATA_SIZE });
  const order = ['checking', 'downloading', 'verifying', 'ready'];
  let lastLoaded = -1;
  for (let i = 1; i < events.length; i++) {
    const [a, b] = [events[i - 1]!, events[i]!];
    expect(order.indexOf(b.stage)).toBeGreaterThanOrEqual(order.indexOf(a.stage));
    if (b.stage === 'downloading') {
      expect(b.total).toBe(DATA_SIZE);
      expect(b.loaded).toBeGreaterThan(lastLoaded);
      lastLoaded = b.loaded;
    }
  }
  expect(lastLoaded).toBe(DATA_SIZE);
  expect(events.filter((e) => e.stage === 'downloading').length).toBeGreaterThan(2); // progress while it downloads, not one jump
  const stored = await page.evaluate(() => (window as unknown as { zoetropeTts: TtsTestHook }).zoetropeTts.stored());
  const manifest = (await (await page.request.get('/voices/espeak-ng/manifest.json')).json()) as { sha256: string; size: number };
  expect(stored).toEqual({ size: DATA_SIZE, sha256: manifest.sha256 });
  // The service worker's precache list holds the TTS worker (it is part of the app) but no voice data.
  const precache = await (await page.request.get('/sw.js')).text();
  expect(precache).toMatch(/assets\/tts\.worker-[\w-]+\.js/);
  expect(precache).not.toContain('voices/');

  const speak = (text: string, voice: string) =>
    page.evaluate(([t, v]) => (window as unknown as { zoetropeTts: TtsTestHook }).zoetropeTts.speak(t, v as 'en'), [text, voice] as const);
  const en1 = spoken(await speak(EN, 'en'), EN);
  const en2 = spoken(await speak(EN, 'en'), EN);
  expect(en2.sha256).toBe(en1.sha256);
  expect(en2.samples).toBe(en1.samples);
  expect(en1.engine).toMatch(/^espeak-ng \(@echogarden\/espeak-ng-emscripten \d+\.\d+\.\d+, voice en\)$/);
  const it1 = spoken(await speak(IT, 'it'), IT);
  const it2 = spoken(await speak(IT, 'it'), IT);
  expect(it2.sha256).toBe(it1.sha256);
  expect(it1.sha256).not.toBe(en1.sha256);
  // Between two other utterances still the same bytes: nothing carries over from one to the next.
  expect(spoken(await speak(EN, 'en'), EN).sha256).toBe(en1.sha256);
  const us = spoken(await speak(EN, 'en-us'), EN);
  expect(us.sha256).not.toBe(en1.sha256);
  console.log(`[tts] worker RTF (page-side wall time / audio, warm): en ${(en2.ms / 1000 / en2.seconds).toFixed(3)} (${en2.ms.toFixed(0)} ms for ${en2.seconds.toFixed(2)} s), it ${(it2.ms / 1000 / it2.seconds).toFixed(3)} (${it2.ms.toFixed(0)} ms for ${it2.seconds.toFixed(2)} s); first call with worker start and data read ${en1.ms.toFixed(0)} ms`);

  // An aborted speak rejects with AbortError and the next one still works.
  const aborted = await page.evaluate(([t]) => (window as unknown as { zoetropeTts: TtsTestHook }).zoetropeTts.speakAborted(t, 'en', 0), [EN] as const);
  expect(aborted.ok ? 'spoken' : aborted.name).toBe('AbortError');

  // Offline for the voices: the route fails, a reload drops the worker and the data in memory.
  const voiceRequests: string[] = [];
  await context.route('**/voices/**', (route) => {
    voiceRequests.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  await page.reload();
  await page.waitForFunction(() => 'zoetropeTts' in window);
  expect(await page.evaluate(() => fetch('/voices/espeak-ng/manifest.json').then(() => 'reached', () => 'failed'))).toBe('failed');
  voiceRequests.length = 0;
  const offline = spoken(await speak(EN, 'en'), EN);
  expect(offline.sha256).toBe(en1.sha256);
  expect(voiceRequests).toEqual([]);
  await context.close();
});

test('a damaged voice-data download fails with IntegrityError and stores nothing', async ({ browser }) => {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  let served = 0;
  await context.route('**/voices/espeak-ng/espeak-ng.data', async (route) => {
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    body[body.length >> 1] = body[body.length >> 1]! ^ 0xff; // One flipped byte, as a broken proxy might do.
    served++;
    await route.fulfill({ response, body });
  });
  await openHook(page);
  const result = await page.evaluate(() => (window as unknown as { zoetropeTts: TtsTestHook }).zoetropeTts.install());
  expect(result.ok ? 'installed' : result.name).toBe('IntegrityError');
  expect(served).toBeGreaterThanOrEqual(1);
  expect(await page.evaluate(() => (window as unknown as { zoetropeTts: TtsTestHook }).zoetropeTts.installed())).toBe(false);
  // Nothing in the voice store, and no partial bytes kept for a resume.
  const left = await page.evaluate(async () => {
    const count = (db: string, store: string) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open(db);
        open.onupgradeneeded = () => open.result.createObjectStore(store);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction(store).objectStore(store).count();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        };
      });
    return { voices: await count('zoetrope-voices', 'files'), partials: await count('zoetrope-partials', 'parts') };
  });
  expect(left).toEqual({ voices: 0, partials: 0 });
  // Speaking asks for the data again, and fails the same way rather than speaking from nothing.
  const speak = await page.evaluate(() => (window as unknown as { zoetropeTts: TtsTestHook }).zoetropeTts.speak('Hello there.', 'en'));
  expect(speak.ok ? 'spoken' : speak.name).toBe('IntegrityError');
  await context.close();
});
