// Owns MP4 encoding: WebCodecs VideoEncoder, driven here (config in
// video-encoder-config.ts), and mediabunny's MP4 muxer, fed the encoded
// packets. H.264 first; VP9 where the browser has no H.264 encoder (some
// Chromium builds ship without it). Frames come from a FrameSource one at a
// time, so a caller can make each frame just before the encoder needs it
// (upscaling frame i while the encoder works on frame i-1) instead of holding
// every upscaled frame.

import { BufferTarget, EncodedPacket, EncodedVideoPacketSource, getFirstEncodableVideoCodec, type MetadataTags, Mp4OutputFormat, Output, QUALITY_HIGH } from 'mediabunny';
import type { VideoCodecName } from '../src/shared/engine-api';
import { ZoetropeError } from '../src/shared/errors';
import type { RgbaFrames } from './frames';
import { supportedEncoderConfig } from './video-encoder-config';

export interface FrameSource {
  width: number;
  height: number;
  frames: number;
  /** RGBA pixels of frame i; called once per frame, in order (a promise where another thread may make it). */
  frame(i: number): Uint8ClampedArray | Promise<Uint8ClampedArray>;
  /** Frames another thread made (the upscale helper), for the timings. */
  helped?: () => number;
}

/** A source over frames that are already all in memory. */
export function framesInMemory(frames: RgbaFrames): FrameSource {
  const size = frames.width * frames.height * 4;
  return { ...frames, frame: (i) => frames.rgba.subarray(i * size, (i + 1) * size) };
}

export const CODEC_PREFERENCE: VideoCodecName[] = ['avc', 'vp9'];

interface EncoderChoice {
  codec: 'avc' | 'vp9';
  config: VideoEncoderConfig;
}

// The browser's answers, per worker: asking (mediabunny's codec probe, then isConfigSupported per codec
// string) cost 7-16 ms of every job, and the answer does not change while the worker lives. A job whose
// encoder then fails drops its entry, so the next job asks again; a failed answer is not kept either.
const choices = new Map<string, Promise<EncoderChoice>>();

/** The codec and encoder config for this preference, size and frame rate: asked once, then remembered. */
export function chooseEncoder(preference: VideoCodecName[], width: number, height: number, fps: number): Promise<EncoderChoice> {
  const key = encoderKey(preference, width, height, fps);
  let choice = choices.get(key);
  if (!choice) {
    choice = askEncoder(preference, width, height, fps);
    choices.set(key, choice);
    choice.catch(() => choices.delete(key));
  }
  return choice;
}

function forgetEncoder(preference: VideoCodecName[], width: number, height: number, fps: number): void {
  choices.delete(encoderKey(preference, width, height, fps));
}

function encoderKey(preference: VideoCodecName[], width: number, height: number, fps: number): string {
  return `${preference.join(',')} ${width}x${height} ${fps}`;
}

async function askEncoder(preference: VideoCodecName[], width: number, height: number, fps: number): Promise<EncoderChoice> {
  if (typeof VideoEncoder === 'undefined') {
    throw new ZoetropeError('EncoderUnavailableError', 'This browser has no WebCodecs video encoder.');
  }
  const codec = await getFirstEncodableVideoCodec(preference, { width, height, quality: QUALITY_HIGH, frameRate: fps });
  if (codec !== 'avc' && codec !== 'vp9') {
    const names = preference.map((c) => (c === 'avc' ? 'H.264' : 'VP9')).join(' nor ');
    throw new ZoetropeError('EncoderUnavailableError', `This browser cannot encode ${names} at ${width}×${height}.`, { width, height });
  }
  const config = await supportedEncoderConfig(codec, width, height, fps);
  if (!config) {
    throw new ZoetropeError('EncoderUnavailableError', `This browser cannot encode ${codec === 'avc' ? 'H.264' : 'VP9'} at ${width}×${height}.`, { width, height });
  }
  return { codec, config };
}

export interface EncodedVideo {
  bytes: Uint8Array;
  codec: VideoCodecName;
  mimeType: string;
  /** ms: codec choice, config + output start; making frames (FrameSource.frame); handing them to the encoder (the first also alone); flush + finalize. */
  timing: { startMs: number; frameMs: number; addMs: number; firstAddMs: number; finalizeMs: number };
}

export async function encodeMp4(
  frames: FrameSource,
  fps: number,
  onFrame: (done: number) => void,
  preference: VideoCodecName[] = CODEC_PREFERENCE,
  tags: MetadataTags | null = null,
  /** Runs before each frame; a cancel throws AbortError from it, which passes through unchanged. */
  checkpoint: () => void = () => {},
  /** Off (?encoderCache=0, the bench's "before"): ask the browser afresh for this job. */
  cached = true,
): Promise<EncodedVideo> {
  const { width, height } = frames;
  const timing = { startMs: 0, frameMs: 0, addMs: 0, firstAddMs: 0, finalizeMs: 0 };
  let mark = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = now - mark;
    mark = now;
    return ms;
  };
  const { codec, config } = await (cached ? chooseEncoder(preference, width, height, fps) : askEncoder(preference, width, height, fps));
  const output = new Output({ format: new Mp4OutputFormat({ fastStart: 'in-memory' }), target: new BufferTarget() });
  const source = new EncodedVideoPacketSource(codec);
  output.addVideoTrack(source, { frameRate: fps });
  if (tags) output.setMetadataTags(tags);
  await output.start();
  // Encoded chunks go to the muxer in order; the first carries the decoder config (avcC) the MP4 needs.
  let chunks = 0;
  let failure: unknown = null;
  let muxed: Promise<void> = Promise.resolve();
  let wake = () => {};
  const encoder = new VideoEncoder({
    output: (chunk, meta) => {
      chunks++;
      const packet = EncodedPacket.fromEncodedChunk(chunk);
      muxed = muxed.then(() => source.add(packet, meta));
    },
    error: (error) => {
      failure = error;
      wake(); // an encoder that failed dequeues nothing more
    },
  });
  encoder.addEventListener('dequeue', () => wake());
  const failed = () => {
    if (failure) throw failure;
  };
  timing.startMs = lap();
  const frameUs = 1e6 / fps;
  try {
    encoder.configure(config);
    for (let i = 0; i < frames.frames; i++) {
      checkpoint();
      lap();
      const data = await frames.frame(i);
      timing.frameMs += lap();
      const frame = new VideoFrame(data, { format: 'RGBA', codedWidth: width, codedHeight: height, timestamp: Math.round(i * frameUs), duration: Math.round(frameUs) });
      try {
        // Short clips loop in the player, so every frame after the first is a delta frame; one key
        // frame per second keeps seeking cheap on longer clips.
        encoder.encode(frame, { keyFrame: i % Math.max(1, Math.round(fps)) === 0 });
      } finally {
        frame.close();
      }
      // Backpressure: a few frames in flight keep the encoder busy without holding every frame.
      while (encoder.encodeQueueSize > 2 && !failure) await new Promise<void>((resolve) => (wake = resolve));
      failed();
      onFrame(i + 1);
      const added = lap();
      timing.addMs += added;
      if (i === 0) timing.firstAddMs = added;
    }
    await encoder.flush();
    // Chromium can report an encoding error only after flush() resolves (issue 529852980); a frame
    // that did not come out is that error's trace, so count them instead of waiting for it.
    failed();
    if (chunks !== frames.frames) throw new Error(`the encoder returned ${chunks} of ${frames.frames} frames`);
    await muxed;
    await output.finalize();
    timing.finalizeMs = lap();
  } catch (error) {
    muxed.catch(() => {}); // its failure, if any, is reported through `error` or superseded by it
    await output.cancel().catch(() => {});
    if (error instanceof ZoetropeError && error.name === 'AbortError') throw error;
    forgetEncoder(preference, width, height, fps);
    throw new ZoetropeError('EncoderUnavailableError', `Encoding the video failed: ${error instanceof Error ? error.message : String(error)}`, { codec });
  } finally {
    if (encoder.state !== 'closed') encoder.close();
  }
  const buffer = output.target.buffer;
  if (!buffer) throw new ZoetropeError('EncoderUnavailableError', 'The MP4 muxer produced no file.');
  const mimeType = await output.getMimeType();
  return { bytes: new Uint8Array(buffer), codec, mimeType, timing };
}
