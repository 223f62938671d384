// @ts-check
// Owns writing 16-bit PCM WAV files for the benches and tests that need one
// on disk: speech the TTS bench writes to listen to, and the TEST FIXTURE
// tones that Chromium's fake microphone plays (--use-file-for-fake-audio-capture).

/**
 * A 16-bit PCM WAV of interleaved samples in [-1, 1] (clamped).
 * @param {Float32Array | number[]} samples @param {number} rate @param {number} [channels]
 */
export function pcm16Wav(samples, rate, channels = 1) {
  const out = Buffer.alloc(44 + samples.length * 2);
  out.write('RIFF', 0);
  out.writeUInt32LE(36 + samples.length * 2, 4);
  out.write('WAVEfmt ', 8);
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * channels * 2, 28);
  out.writeUInt16LE(channels * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36);
  out.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round((samples[i] ?? 0) * 32767))), 44 + i * 2);
  return out;
}

/**
 * TEST FIXTURE audio: `parts` are [seconds, amplitude] of a sine at `hz`
 * (amplitude 0: silence), the same in every channel; each part's sine starts at phase 0.
 * @param {[number, number][]} parts @param {{ rate?: number, channels?: number, hz?: number }} [o]
 */
export function toneWav(parts, { rate = 48_000, channels = 1, hz = 440 } = {}) {
  const frames = parts.reduce((n, [s]) => n + Math.round(s * rate), 0);
  const samples = new Float32Array(frames * channels);
  let at = 0;
  for (const [seconds, amplitude] of parts) {
    const n = Math.round(seconds * rate);
    for (let i = 0; i < n; i++, at++) {
      const v = amplitude * Math.sin((2 * Math.PI * hz * i) / rate);
      for (let c = 0; c < channels; c++) samples[at * channels + c] = v;
    }
  }
  return pcm16Wav(samples, rate, channels);
}
