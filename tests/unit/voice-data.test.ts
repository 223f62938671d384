// The voice data's manifest as the build writes it (vite/voices-plugin.ts,
// hashing the real espeak-ng.data) and as the page checks it
// (src/shared/voice-data.ts), the order of its download progress, and the
// PCM joining of the TTS worker (workers/tts/pcm.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engineLabel, isForwardVoiceProgress, validateVoiceManifest } from '../../src/shared/voice-data';
import type { VoiceDataProgress } from '../../src/shared/tts-api';
import { voiceFiles } from '../../vite/voices-plugin';
import { PcmCollector, rms } from '../../workers/tts/pcm';

const built = JSON.parse(voiceFiles(process.cwd()).manifest) as Record<string, unknown>;

describe('voice-data manifest', () => {
  it('is what the build writes: the real file size and SHA-256', () => {
    const data = readFileSync('node_modules/@echogarden/espeak-ng-emscripten/espeak-ng.data');
    const manifest = validateVoiceManifest(built);
    expect(manifest.size).toBe(data.byteLength);
    expect(manifest.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(manifest.license).toBe('GPL-3.0');
    expect(engineLabel(manifest, 'it')).toBe(`espeak-ng (@echogarden/espeak-ng-emscripten ${manifest.packageVersion}, voice it)`);
  });

  it('ships the licence text beside the data', () => {
    expect(Object.keys(voiceFiles(process.cwd()).files).sort()).toEqual(['COPYING', 'espeak-ng.data']);
  });

  it.each([
    ['format', 'zoetrope-voice-data-0'],
    ['engine', 'flite'],
    ['size', 0],
    ['size', 1.5],
    ['sha256', 'F'.repeat(64)],
    ['file', '../index.html'],
    ['file', 'https://elsewhere.example/x.data'],
    ['packageVersion', 'latest'],
  ])('refuses %s = %j with ManifestError naming the field', (field, value) => {
    expect(() => validateVoiceManifest({ ...built, [field]: value })).toThrow(expect.objectContaining({ name: 'ManifestError', details: expect.objectContaining({ field: `voices.${field}` }) }));
  });

  it('refuses what is not an object', () => {
    for (const value of [null, [], 'x', 3]) expect(() => validateVoiceManifest(value)).toThrow(expect.objectContaining({ name: 'ManifestError' }));
  });
});

describe('voice-data progress', () => {
  const events: VoiceDataProgress[] = [
    { stage: 'checking' },
    { stage: 'downloading', loaded: 0, total: 10 },
    { stage: 'downloading', loaded: 6, total: 10 },
    { stage: 'downloading', loaded: 10, total: 10 },
    { stage: 'verifying' },
    { stage: 'ready', bytes: 10 },
  ];

  it('moves forward through the stages and the bytes', () => {
    let last: VoiceDataProgress | null = null;
    for (const e of events) {
      expect(isForwardVoiceProgress(last, e)).toBe(true);
      last = e;
    }
  });

  it('never goes back: fewer bytes, the same event twice, or an earlier stage', () => {
    expect(isForwardVoiceProgress(events[2]!, events[1]!)).toBe(false);
    expect(isForwardVoiceProgress(events[2]!, events[2]!)).toBe(false);
    expect(isForwardVoiceProgress(events[4]!, { stage: 'downloading', loaded: 1, total: 10 })).toBe(false);
    expect(isForwardVoiceProgress(events[5]!, { stage: 'checking' })).toBe(false);
  });
});

describe('PCM joining', () => {
  it('joins pieces in order as sample / 32768, skipping empty ones', () => {
    const pcm = new PcmCollector();
    pcm.push(new Int16Array([0, 16384, -32768]));
    pcm.push(null);
    pcm.push(new Int16Array(0));
    pcm.push(new Int16Array([32767]));
    expect(pcm.sampleCount).toBe(4);
    expect([...pcm.toFloat32()]).toEqual([0, 0.5, -1, 32767 / 32768].map(Math.fround));
  });

  it('measures the level', () => {
    expect(rms(new Float32Array(0))).toBe(0);
    expect(rms(new Float32Array([0.5, -0.5, 0.5, -0.5]))).toBeCloseTo(0.5, 6);
  });
});
