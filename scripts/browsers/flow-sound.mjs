// @ts-check
// Owns the sound flow of the cross-browser run (issue 20's "sound" column):
// which audio codecs the browser's WebCodecs AudioEncoder takes for the
// narration (AAC-LC `mp4a.40.2` and Opus, 48 kHz mono, at the bitrates
// src/lib/audio-track.ts asks for), then a two-scene narrated lesson
// (gravity template, its spoken TTS voices, each scene fitted to its voice,
// about 5.4 s in all, 2 steps, 480p) made in the page. The result must carry
// an audio track (`data-audio` not 'none', in a codec the encoder said yes
// to), and the MP4's audio is decoded back in the page with WebAudio's
// decodeAudioData on the very Blob the player plays: it must last as long as
// the voices, no voice cut, and each half (each scene) be loud enough (RMS
// above MIN_RMS) to be a voice, not silence; and the page's own check (its
// mediabunny decode, `data-audio-check`) must hear both voices. The TTS time is the lesson
// timing line's sound.voicesMs (the voices spoken by the warm TTS worker),
// measured with the voice data already installed (the flow installs it first
// through the page's own "Download the voices" button), so it is the voices'
// time, not the download's; the run and the table give it as a ratio to
// Chromium's.
//
// Why decodeAudioData on a Blob kept from URL.createObjectURL: the page's CSP
// keeps blob: out of connect-src, so the player's blob: URL cannot be
// fetched again; a preload script remembers the Blobs the page makes URLs
// for, and the flow reads the <video>'s one. decodeAudioData took the MP4
// (Opus in ISO BMFF; neither browser here encodes AAC) in Chromium 156 and
// Firefox ESR 153 alike, and gives the samples without playing anything (no
// autoplay policy, no real-time wait), where a playing <video> would need both.

import { recordPage, waitModelReady } from './page-log.mjs';

/** Root mean square of each half of the track, full scale 1: espeak-ng's voices at volume 1 measured 0.08–0.09 here; silence is 0. */
const MIN_RMS = 0.01;

/**
 * @param {import('puppeteer-core').Browser} browser
 * @param {string} origin the origin where the built-in pack is installed
 * @returns {Promise<Record<string, import('./flow.mjs').Flow>>}
 */
export async function soundFlows(browser, origin) {
  const page = await browser.newPage();
  const log = recordPage(page);
  await page.evaluateOnNewDocument(() => {
    const blobs = new Map();
    /** @type {any} */ (window).__blobs = blobs;
    const make = URL.createObjectURL.bind(URL);
    URL.createObjectURL = (/** @type {Blob | MediaSource} */ object) => {
      const url = make(object);
      if (object instanceof Blob) blobs.set(url, object);
      return url;
    };
  });
  await page.goto(`${origin}/?backend=wasm&view=lesson`);
  await waitModelReady(page, 180_000);

  // What the browser's AudioEncoder says, before the app picks (AAC first, else Opus).
  const encoders = await page.evaluate(async () => {
    if (typeof AudioEncoder === 'undefined') return { audioEncoder: false, aac: false, opus: false };
    const ask = async (/** @type {string} */ codec, /** @type {number} */ bitrate) => {
      try {
        return (await AudioEncoder.isConfigSupported({ codec, sampleRate: 48_000, numberOfChannels: 1, bitrate })).supported === true;
      } catch {
        return false;
      }
    };
    return { audioEncoder: true, aac: await ask('mp4a.40.2', 96_000), opus: await ask('opus', 64_000) };
  });
  const encoderWords = !encoders.audioEncoder ? 'no AudioEncoder' : [encoders.aac ? 'AAC' : 'no AAC', encoders.opus ? 'Opus' : 'no Opus'].join(', ');

  await page.click('[data-testid=template-gravity]');
  await page.waitForSelector('[data-testid=scene]');
  // Two scenes: two voices (about 4.5 s of speech) give the TTS time more to measure than one short line.
  for (let n = (await page.$$('[data-testid=scene]')).length; n > 2; n--) {
    const deletes = await page.$$('[data-testid=scene-delete]');
    await deletes.at(-1)?.click();
  }
  // The template's scenes speak their captions; "Fit scene to voice" (templates keep their own lengths) makes each
  // as long as its voice (about 3 s), so the whole voice is in the track, and the lesson stays short.
  for (const box of await page.$$('[data-testid=narration-fit]')) {
    if (!(await box.evaluate((e) => /** @type {HTMLInputElement} */ (e).checked))) await box.click();
  }
  await page.locator('[data-testid=lesson-steps]').fill('2');
  await page.select('[data-testid=lesson-size]', '480');
  const spoken = await page.$$eval('[data-testid=narration-source-tts]', (els) => els.length === 2 && els.every((e) => /** @type {HTMLInputElement} */ (e).checked));

  // The voice data, installed once per profile through the page's button, so voicesMs below is the voice alone.
  let installMs = 0;
  const install = await page.waitForSelector('[data-testid=voice-data-install]', { timeout: 10_000 }).catch(() => null);
  if (install) {
    const at = Date.now();
    await install.click();
    await page.waitForFunction(() => !document.querySelector('[data-testid=voice-data]'), { timeout: 120_000 });
    installMs = Date.now() - at;
  }
  // The page then speaks each caption once to show its length: waited for, so that the lesson's own voices do not
  // share the TTS worker with it and voicesMs is theirs alone.
  await page.waitForFunction(() => {
    const shown = [...document.querySelectorAll('[data-testid=narration-lengths]')];
    return shown.length === 2 && shown.every((e) => /Voice \d/.test(e.textContent ?? ''));
  }, { timeout: 60_000 });

  const started = Date.now();
  await page.click('[data-testid=lesson-generate]');
  await page.waitForSelector('[data-testid=lesson-result][data-checked=yes], [data-testid=error]', { timeout: 300_000 });
  const ms = Date.now() - started;
  const facts = await page.evaluate(async () => {
    const result = document.querySelector('[data-testid=lesson-result][data-checked=yes]');
    if (!result) {
      const e = document.querySelector('[data-testid=error]');
      return { error: `${e?.getAttribute('data-error-name') ?? ''}: ${e?.textContent?.trim() ?? 'no result'}` };
    }
    const audio = result.getAttribute('data-audio') ?? 'none';
    const videoSeconds = Number(result.getAttribute('data-frames')) / Number(result.getAttribute('data-fps'));
    const lengths = [...document.querySelectorAll('[data-testid=narration-lengths]')].map((e) => e.textContent?.trim().replace(/\s+/g, ' ')).join(' / ');
    const cut = Boolean(document.querySelector('[data-testid=narration-cut-warning]'));
    // The page's own check of the sound it decoded back (src/lib/lesson-sound.ts checkSound, through mediabunny).
    const checked = result.getAttribute('data-audio-check');
    const page = checked ? /** @type {{ heard: number[], decodedSeconds: number }} */ (JSON.parse(checked)) : null;
    const shown = result.querySelector('[data-testid=lesson-sound]')?.textContent?.trim().replace(/\s+/g, ' ') ?? '';
    const video = /** @type {HTMLVideoElement} */ (result.querySelector('[data-testid=lesson-video]'));
    const blob = /** @type {Map<string, Blob>} */ (/** @type {any} */ (window).__blobs).get(video.src);
    if (!blob) return { audio, shown, videoSeconds, lengths, cut, page, decodeError: 'the player\'s Blob was not seen' };
    const context = new OfflineAudioContext(1, 1, 48_000);
    try {
      const buffer = await context.decodeAudioData(await blob.arrayBuffer());
      // The whole track's RMS and peak, and each half's RMS (the two scenes, about 3 s each): both voices are heard.
      const data = buffer.getChannelData(0);
      const rms = (/** @type {number} */ from, /** @type {number} */ to) => {
        let sum = 0;
        for (let i = from; i < to; i++) sum += (data[i] ?? 0) ** 2;
        return to > from ? Math.sqrt(sum / (to - from)) : 0;
      };
      let peak = 0;
      for (let i = 0; i < data.length; i++) peak = Math.max(peak, Math.abs(data[i] ?? 0));
      const half = Math.floor(data.length / 2);
      return {
        audio, shown, videoSeconds, lengths, cut, page,
        decoded: { seconds: buffer.duration, sampleRate: buffer.sampleRate, channels: buffer.numberOfChannels, rms: rms(0, data.length), halves: [rms(0, half), rms(half, data.length)], peak },
      };
    } catch (error) {
      return { audio, shown, videoSeconds, lengths, cut, page, decodeError: String(error).slice(0, 200) };
    }
  });
  await page.close();
  const lesson = log.timing('lesson');
  const sound = lesson?.sound ?? null;
  const base = { encoders, spoken, ms, installMs, voicesMs: sound?.voicesMs ?? null, voiceSeconds: sound?.voiceSeconds ?? null };
  if ('error' in facts) {
    return { sound: { ok: false, detail: `AudioEncoder: ${encoderWords}; the narrated lesson failed: ${String(facts.error).slice(0, 240)}`, ...base, codec: null } };
  }
  const decoded = facts.decoded ?? null;
  const ok = spoken && facts.audio !== 'none' && (facts.audio === 'opus' ? encoders.opus : encoders.aac) && decoded !== null && decoded.halves.every((r) => r > MIN_RMS) && !facts.cut && facts.page?.heard.length === 2 && decoded.seconds + 0.05 >= Number(sound?.voiceSeconds) && typeof sound?.voicesMs === 'number';
  const heard = decoded
    ? `decoded back by decodeAudioData: ${decoded.seconds.toFixed(2)} s at ${decoded.sampleRate} Hz, RMS ${decoded.rms.toFixed(3)} (each half ${decoded.halves.map((r) => r.toFixed(3)).join(', ')}; min ${MIN_RMS}), peak ${decoded.peak.toFixed(2)}`
    : `not decoded back: ${facts.decodeError}`;
  const said = facts.page ? `the page heard a voice in scene(s) ${facts.page.heard.join(', ') || 'none'} of 2` : 'the page did not check its sound';
  const voice = sound ? `TTS ${(sound.voicesMs / 1000).toFixed(2)} s for ${Number(sound.voiceSeconds).toFixed(2)} s of voice` : 'no lesson timing line';
  return {
    sound: {
      ok,
      detail: `AudioEncoder (48 kHz mono): ${encoderWords}; narrated lesson of ${facts.videoSeconds?.toFixed(2)} s (${facts.lengths}${facts.cut ? ', voice CUT' : ''}) (${spoken ? 'spoken TTS voices' : 'NOT all spoken'}) has audio ${facts.audio} ("${facts.shown}"); ${heard}; ${said}; ${voice}${installMs ? `; voice data installed in ${(installMs / 1000).toFixed(1)} s` : ''}; ${(ms / 1000).toFixed(1)} s`,
      ...base,
      codec: facts.audio,
      rms: decoded?.rms ?? null,
      halves: decoded?.halves ?? null,
      peak: decoded?.peak ?? null,
      decodedSeconds: decoded?.seconds ?? null,
      decodedVia: 'decodeAudioData',
      pageHeard: facts.page?.heard ?? null,
    },
  };
}
