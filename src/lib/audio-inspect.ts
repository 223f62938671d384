// Owns reading a finished MP4's sound back in the page: the audio track's
// codec, sample rate, channels and duration, decoded with mediabunny's
// AudioSampleSink (WebCodecs AudioDecoder), and how loud it is inside given
// time windows (RMS). The app can show that a lesson has its narration; the
// tests check "loud where a voice is, near zero where none" on real decoded
// audio, not on the mix that went in.

import { ALL_FORMATS, AudioSampleSink, BlobSource, Input } from 'mediabunny';

export interface AudioWindow {
  start: number;
  end: number;
}

export interface AudioReport {
  /** The track's codec string, e.g. 'opus' or 'mp4a.40.2'. */
  codec: string;
  sampleRate: number;
  channels: number;
  /** The track's duration from the container (seconds). */
  durationSeconds: number;
  /** The decoded samples' span: the last sample's end time (seconds). */
  decodedSeconds: number;
  /** The root mean square of the decoded audio (channels averaged) in each asked window, in order. */
  rms: number[];
  /** The largest absolute decoded sample. */
  peak: number;
}

/** RMS of `samples` (at `rate`, sample 0 at time 0) between two times; 0 for an empty span. */
export function rmsBetween(samples: Float32Array, rate: number, start: number, end: number): number {
  const a = Math.max(0, Math.round(start * rate));
  const b = Math.min(samples.length, Math.round(end * rate));
  if (b <= a) return 0;
  let sum = 0;
  for (let i = a; i < b; i++) {
    const v = samples[i] ?? 0;
    sum += v * v;
  }
  return Math.sqrt(sum / (b - a));
}

/** Every decoded sample of the track, channels averaged, placed by its timestamp (time 0 = sample 0). */
async function decodeMono(input: Input): Promise<{ samples: Float32Array; rate: number; channels: number; codec: string; duration: number } | null> {
  const track = await input.getPrimaryAudioTrack();
  if (!track) return null;
  const codec = (await track.getCodecParameterString()) ?? String(track.codec);
  const rate = track.sampleRate;
  const duration = await track.computeDuration();
  // A little room past the stated duration: the last codec frame may run over it.
  let samples = new Float32Array(Math.ceil((duration + 1) * rate));
  let end = 0;
  for await (const sample of new AudioSampleSink(track).samples()) {
    try {
      const n = sample.numberOfFrames;
      const mono = new Float32Array(n);
      const plane = new Float32Array(n);
      for (let c = 0; c < sample.numberOfChannels; c++) {
        sample.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
        for (let i = 0; i < n; i++) mono[i] = (mono[i] ?? 0) + (plane[i] ?? 0) / sample.numberOfChannels;
      }
      const at = Math.round(sample.timestamp * rate);
      if (at + n > samples.length) {
        const grown = new Float32Array(at + n);
        grown.set(samples);
        samples = grown;
      }
      // Samples before time 0 (an encoder's priming, if a muxer left it visible) are not part of the lesson.
      const skip = Math.max(0, -at);
      if (skip < n) samples.set(mono.subarray(skip), at + skip);
      end = Math.max(end, at + n);
    } finally {
      sample.close();
    }
  }
  return { samples: samples.subarray(0, Math.max(0, end)), rate, channels: track.numberOfChannels, codec, duration };
}

/** The MP4's audio track decoded and measured in `windows`; null when the file has no audio track. */
export async function inspectAudio(blob: Blob, windows: readonly AudioWindow[] = []): Promise<AudioReport | null> {
  const input = new Input({ source: new BlobSource(blob), formats: ALL_FORMATS });
  try {
    const decoded = await decodeMono(input);
    if (!decoded) return null;
    const { samples, rate } = decoded;
    let peak = 0;
    for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i] ?? 0));
    return {
      codec: decoded.codec,
      sampleRate: rate,
      channels: decoded.channels,
      durationSeconds: decoded.duration,
      decodedSeconds: samples.length / rate,
      rms: windows.map((w) => rmsBetween(samples, rate, w.start, w.end)),
      peak,
    };
  } finally {
    input.dispose();
  }
}

/** Whether the MP4 has an audio track at all (reads only the container). */
export async function hasAudioTrack(blob: Blob): Promise<boolean> {
  const input = new Input({ source: new BlobSource(blob), formats: ALL_FORMATS });
  try {
    return (await input.getPrimaryAudioTrack()) !== null;
  } finally {
    input.dispose();
  }
}
