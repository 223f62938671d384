// The espeak-ng engine of the TTS worker (workers/tts/espeak-engine.ts), run
// in Node on the real package and its real voice data: reproducible bytes
// whatever was spoken before (the reset), English and Italian, its native
// rate, audible output of a plausible length, and cooperative stopping.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { EspeakEngine, wholeBuffer, type Utterance } from '../../workers/tts/espeak-engine';
import { rms } from '../../workers/tts/pcm';
import { abortError, type ZoetropeError } from '../../src/shared/errors';

const data = readFileSync('node_modules/@echogarden/espeak-ng-emscripten/espeak-ng.data');
const buffer = (): ArrayBuffer => wholeBuffer(new Uint8Array(data));
const EN = 'A small red ball bounces across the green hill.\nThen it rolls away.';
const IT = 'Una piccola palla rossa rimbalza sulla collina verde. È così!';
const go = () => {};
const hash = (u: Utterance) => createHash('sha256').update(new Uint8Array(u.samples.buffer, u.samples.byteOffset, u.samples.byteLength)).digest('hex');
const perWord = (u: Utterance, text: string) => u.samples.length / u.sampleRate / text.split(/\s+/).length;

describe('espeak-ng engine', () => {
  let engine: EspeakEngine;
  beforeAll(async () => {
    engine = await EspeakEngine.start(buffer());
  });

  it('speaks English and Italian at 22,050 Hz, audibly, at a speaking pace', async () => {
    for (const [voice, text] of [['en', EN], ['en-us', EN], ['it', IT]] as const) {
      const u = await engine.speak(text, voice, go);
      expect(u.sampleRate).toBe(22_050);
      expect(rms(u.samples)).toBeGreaterThan(0.03);
      expect(perWord(u, text)).toBeGreaterThan(0.2);
      expect(perWord(u, text)).toBeLessThan(1);
      expect(u.samples.every((v) => v >= -1 && v < 1)).toBe(true);
    }
  });

  it('gives the same bytes for the same text and voice, in any order, as a fresh engine', async () => {
    const fresh = await EspeakEngine.start(buffer());
    const first = hash(await fresh.speak(EN, 'en', go));
    const order = ['it', 'en', 'en-us', 'en', 'it', 'en'] as const;
    const seen: Record<string, Set<string>> = { en: new Set(), 'en-us': new Set(), it: new Set() };
    for (const voice of order) seen[voice]!.add(hash(await engine.speak(voice === 'it' ? IT : EN, voice, go)));
    expect([...seen['en']!]).toEqual([first]);
    expect(seen['it']!.size).toBe(1);
    expect(seen['en-us']!.size).toBe(1);
    expect(seen['en-us']!.has(first)).toBe(false);
  });

  it('refuses a voice it does not have', async () => {
    await expect(engine.speak('Hello.', 'xx-none', go)).rejects.toMatchObject({ name: 'BackendError' });
  });

  it('stops at a checkpoint, and the next utterance is unaffected', async () => {
    const before = hash(await engine.speak(EN, 'en', go));
    let calls = 0;
    const stopSecond = () => {
      if (++calls === 2) throw abortError();
    };
    await expect(engine.speak(EN, 'en', stopSecond)).rejects.toMatchObject({ name: 'AbortError' } satisfies Partial<ZoetropeError>);
    expect(hash(await engine.speak(EN, 'en', go))).toBe(before);
  });

  it('refuses voice data of the wrong size', async () => {
    await expect(EspeakEngine.start(new ArrayBuffer(1000))).rejects.toMatchObject({ name: 'IntegrityError' });
  });
});
