// Owns the lesson MP4's sound: choosing the audio codec the browser can
// encode (AAC-LC where it has an encoder, else Opus; Debian's Chromium has
// no AAC encoder, measured in README "Sound: the audio track"), adding the
// track to a mediabunny Output beside the video, and feeding it the mixed
// narration (src/shared/narration-mix.ts) in one-second AudioSamples.
// mediabunny's AudioSampleSource drives the WebCodecs AudioEncoder itself
// (configuration, the decoder description for the MP4's esds/dOps box,
// backpressure, the encoder's priming), so none of that is written here.

import { AudioSample, AudioSampleSource, canEncodeAudio, Quality, type Output } from 'mediabunny';
import { ZoetropeError } from '../shared/errors';
import { NARRATION_RATE } from '../shared/narration';

/** Mono: one voice at a time, and half the bytes of stereo for the same quality. */
export const NARRATION_CHANNELS = 1;
/** Bits per second for mono speech: AAC-LC needs more than Opus for the same quality. */
const BITRATES = { aac: 96_000, opus: 64_000 } as const;
/** Samples handed to the encoder at a time (one second), so a long lesson is not one huge AudioData. */
const CHUNK_SECONDS = 1;

export type NarrationCodec = keyof typeof BITRATES;

export interface AudioTrackReport {
  /** The codec string of the MP4's track: 'mp4a.40.2' (AAC-LC) or 'opus'. */
  codec: string;
  sampleRate: number;
  channels: number;
  /** From the first sample given to the encoder to its last packet out. */
  encodeMs: number;
}

/** The first of AAC, Opus this browser encodes in mono at `rate` and at that codec's bitrate, or null. */
export async function narrationCodec(rate: number = NARRATION_RATE): Promise<NarrationCodec | null> {
  for (const codec of ['aac', 'opus'] as const) {
    if (await canEncodeAudio(codec, { numberOfChannels: NARRATION_CHANNELS, sampleRate: rate, bitrate: BITRATES[codec] })) return codec;
  }
  return null;
}

/**
 * An audio track added to an Output that has not started yet. Call
 * `write()` after `output.start()`: it encodes the whole mix, and the
 * Output's finalize() muxes the track beside the video.
 */
export class NarrationTrack {
  private lastPacketAt = 0;
  private startedAt = 0;
  /** Seconds of audio the encoder has put out so far (the end of its latest packet). */
  private encodedUntil = 0;
  private onPacket: (() => void) | null = null;

  private constructor(
    private readonly source: AudioSampleSource,
    readonly codec: NarrationCodec,
    readonly sampleRate: number,
  ) {}

  /** Adds the track to `output` (before its start()); throws EncoderUnavailableError when no codec is encodable. */
  static async add(output: Output, rate: number = NARRATION_RATE): Promise<NarrationTrack> {
    const codec = await narrationCodec(rate);
    if (!codec) throw new ZoetropeError('EncoderUnavailableError', `This browser cannot encode AAC nor Opus audio at ${rate} Hz, so the lesson's narration cannot be added.`, { sampleRate: rate });
    let track: NarrationTrack | null = null;
    const source = new AudioSampleSource({
      codec,
      quality: new Quality({ bitrate: BITRATES[codec] }),
      // The time the encoder's last packet came out is when encoding really ended.
      onEncodedPacket: (packet) => {
        if (!track) return;
        track.lastPacketAt = performance.now();
        track.encodedUntil = Math.max(track.encodedUntil, packet.timestamp + packet.duration);
        track.onPacket?.();
      },
    });
    track = new NarrationTrack(source, codec, rate);
    output.addAudioTrack(source, { languageCode: 'und', name: 'Narration' });
    return track;
  }

  /**
   * Feeds the whole mix (mono, at the track's rate), closes the source (which
   * flushes the encoder) and waits for the packet that covers the mix's end,
   * so the audio is encoded before the video starts: encodeMs is then the
   * audio's own time, not shared with drawing frames on the same thread.
   */
  async write(mix: Float32Array, signal?: AbortSignal): Promise<void> {
    this.startedAt = performance.now();
    const chunk = Math.round(CHUNK_SECONDS * this.sampleRate);
    for (let at = 0; at < mix.length; at += chunk) {
      if (signal?.aborted) return;
      // A copy: AudioSample keeps the bytes it is given, and the caller's array stays theirs.
      const data = mix.slice(at, Math.min(mix.length, at + chunk));
      const sample = new AudioSample({ data, format: 'f32-planar', numberOfChannels: NARRATION_CHANNELS, sampleRate: this.sampleRate, timestamp: at / this.sampleRate });
      try {
        await this.source.add(sample);
      } finally {
        sample.close();
      }
    }
    this.source.close();
    await this.encoded(mix.length / this.sampleRate, signal);
  }

  /**
   * Resolves once the packets reach `seconds` (less a sample), on abort, or
   * after a generous timeout: an encoder that failed while flushing never
   * sends that packet, and the Output's finalize() then reports its error.
   */
  private encoded(seconds: number, signal?: AbortSignal): Promise<void> {
    const done = () => this.encodedUntil >= seconds - 1 / this.sampleRate;
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        this.onPacket = null;
        resolve();
      };
      const timer = setTimeout(finish, 10_000 + seconds * 1000);
      signal?.addEventListener('abort', finish);
      this.onPacket = () => {
        if (done()) finish();
      };
    });
  }

  /** Call after the Output's finalize(). */
  report(): AudioTrackReport {
    return {
      codec: this.codec === 'aac' ? 'mp4a.40.2' : 'opus',
      sampleRate: this.sampleRate,
      channels: NARRATION_CHANNELS,
      encodeMs: Math.max(0, this.lastPacketAt - this.startedAt),
    };
  }
}
