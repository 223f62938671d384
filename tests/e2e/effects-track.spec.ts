// The effects track in the real browser (Chromium's OfflineAudioContext, in
// the built app's page with its headers): a drawn bouncing-ball TEST FIXTURE
// (tests/unit/shapes-fixture.ts) goes through detectMotionEvents and
// renderEffects, and the sound's onsets, found here from the samples alone
// (the first 1 ms block over −40 dBFS after 30 ms of silence), must fall
// within one frame of the events and of the fixture's true contacts. Also:
// the level stays gentle, and a thump is low-pitched, a tick is not.
//
// No test hook in the app: the spec bundles the real modules (and the
// fixture drawer) with vite's build API and serves them at a path of the
// app's own origin through page.route, so they run under the app's CSP and
// isolation headers.
import { expect, test } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { build, type Rolldown } from 'vite';

const FPS = 8;
const SAMPLE_RATE = 48_000;
const SERVED = '/__effects-test/';
const BLOCK = SAMPLE_RATE / 1000;
const ENTRIES = {
  'effects-audio': '../../src/lib/effects-audio.ts',
  'motion-events': '../../src/shared/motion-events.ts',
  'shapes-fixture': '../unit/shapes-fixture.ts',
};

/** The entries as ES modules (each `<name>.js`, plus the chunks they share), by file name. */
async function bundle(): Promise<Map<string, string>> {
  const entry = Object.fromEntries(Object.entries(ENTRIES).map(([name, path]) => [name, fileURLToPath(new URL(path, import.meta.url))]));
  const out = (await build({ configFile: false, logLevel: 'silent', build: { write: false, minify: false, lib: { entry, formats: ['es'], fileName: (_format, name) => `${name}.js` } } })) as Rolldown.RolldownOutput[] | Rolldown.RolldownOutput;
  const files = new Map<string, string>();
  for (const item of (Array.isArray(out) ? out[0]! : out).output) if (item.type === 'chunk') files.set(item.fileName, item.code);
  return files;
}

/** Onsets (s): the start of the first 1 ms block whose peak passes 0.01 after at least 30 ms below it. */
function onsets(samples: number[]): number[] {
  const found: number[] = [];
  let quiet = Infinity;
  for (let b = 0; b * BLOCK < samples.length; b++) {
    let peak = 0;
    for (let i = b * BLOCK; i < Math.min(samples.length, (b + 1) * BLOCK); i++) peak = Math.max(peak, Math.abs(samples[i]!));
    if (peak > 0.01) {
      if (quiet >= 30) found.push((b * BLOCK) / SAMPLE_RATE);
      quiet = 0;
    } else quiet++;
  }
  return found;
}

/** Sign changes a second over the `ms` after `at` (s): twice the pitch of a sine. */
function crossingsPerSecond(samples: number[], at: number, ms: number): number {
  const from = Math.round(at * SAMPLE_RATE), to = from + Math.round((ms / 1000) * SAMPLE_RATE);
  let n = 0;
  for (let i = from + 1; i < to; i++) if ((samples[i - 1]! < 0) !== (samples[i]! < 0)) n++;
  return n / (ms / 1000);
}

test.use({ serviceWorkers: 'block' });

test('the effects track sounds at the bouncing ball\'s contacts, within one frame, gently', async ({ page }) => {
  const files = await bundle();
  await page.route(`**${SERVED}**`, (route) => {
    const body = files.get(new URL(route.request().url()).pathname.slice(SERVED.length));
    return body === undefined ? route.fulfill({ status: 404 }) : route.fulfill({ status: 200, contentType: 'text/javascript', body });
  });
  await page.goto('/');
  const result = await page.evaluate(
    async ({ served, fps, rate }) => {
      const fx = {
        ...((await import(`${served}effects-audio.js`)) as typeof import('../../src/lib/effects-audio')),
        ...((await import(`${served}motion-events.js`)) as typeof import('../../src/shared/motion-events')),
        ...((await import(`${served}shapes-fixture.js`)) as typeof import('../unit/shapes-fixture')),
      };
      // 24 frames (3 s) of a red ball dropped over grass: two contacts the frames show.
      const radius = 10, floor = 52 - radius;
      const path_ = fx.bounce(14, floor, 1.3, 0.8, 22);
      const clip = fx.drawClip({ width: 64, height: 64, frames: 24, radius, colour: [222, 45, 45], background: fx.grassBackground, centre: (i) => ({ x: 30, y: path_.y(i) }) });
      const events = fx.detectMotionEvents(clip, fps);
      // Plus a start and a stop, placed by hand, to hear the ticks.
      const all = [...events, { frame: 2, time: 2 / fps, kind: 'start' as const, strength: 0.5 }, { frame: 21, time: 21 / fps, kind: 'stop' as const, strength: 0.5 }].sort((a, b) => a.time - b.time);
      const samples = await fx.renderEffects(all, 24 / fps, rate);
      return { contacts: path_.contacts.filter((t) => t <= 21), events: all, samples: Array.from(samples), peakLimit: fx.EFFECTS_PEAK };
    },
    { served: SERVED, fps: FPS, rate: SAMPLE_RATE },
  );
  expect(result.samples.length).toBe(3 * SAMPLE_RATE);
  expect(result.events.filter((e) => e.kind === 'contact').length).toBe(result.contacts.length);

  const heard = onsets(result.samples);
  expect(heard.length).toBe(result.events.length);
  const eventErrors = result.events.map((e, i) => Math.abs(heard[i]! - e.time) * FPS);
  const contactTimes = result.events.filter((e) => e.kind === 'contact').map((e) => heard[result.events.indexOf(e)]!);
  const truthErrors = result.contacts.map((t, i) => Math.abs(contactTimes[i]! - t / FPS) * FPS);
  console.log(`[figures] onsets ${heard.map((t) => t.toFixed(4)).join(', ')} s; from their events ${eventErrors.map((e) => e.toFixed(3)).join(', ')} frames; contacts' onsets from the true contacts ${truthErrors.map((e) => e.toFixed(3)).join(', ')} frames`);
  for (const e of [...eventErrors, ...truthErrors]) expect(e).toBeLessThanOrEqual(1);

  // Gentle: under the narration, and nothing before the first event.
  const peak = result.samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
  expect(peak).toBeGreaterThan(0.05);
  expect(peak).toBeLessThanOrEqual(result.peakLimit + 1e-6);
  expect(result.samples.slice(0, Math.floor(heard[0]! * SAMPLE_RATE)).every((s) => Math.abs(s) < 0.01)).toBe(true);
  // A thump is low (110–180 Hz: 220–360 crossings a second), a tick is high.
  result.events.forEach((e, i) => {
    const rate = crossingsPerSecond(result.samples, heard[i]!, e.kind === 'contact' ? 60 : 15);
    if (e.kind === 'contact') {
      expect(rate).toBeGreaterThan(200);
      expect(rate).toBeLessThan(400);
    } else {
      expect(rate).toBeGreaterThan(1000);
    }
  });
});
