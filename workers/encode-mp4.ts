// Owns MP4 encoding: WebCodecs VideoEncoder (driven through mediabunny's
// VideoSampleSource, which handles encoder configuration and backpressure)
// and mediabunny's MP4 muxer. H.264 first; VP9 where the browser has no
// H.264 encoder (some Chromium builds ship without it). Frames come from a
// FrameSource one at a time, so a caller can make each frame just before the
// encoder needs it (upscaling frame i while the encoder works on frame i-1)
// instead of holding every upscaled frame.

import {
  BufferTarget,
  getFirstEncodableVideoCodec,
  type MetadataTags,
  Mp4OutputFormat,
  Output,
  QUALITY_HIGH,
  VideoSample,
  VideoSampleSource,
} from 'mediabunny';
import type { VideoCodecName } from '../src/shared/engine-api';
import { ZoetropeError } from '../src/shared/errors';
import type { RgbaFrames } from './frames';

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

export interface EncodedVideo {
  bytes: Uint8Array;
  codec: VideoCodecName;
  mimeType: string;
  /** ms: codec choice + output start; making frames (FrameSource.frame); handing them to the encoder (the first, which configures it, also alone); finalize. */
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
): Promise<EncodedVideo> {
  if (typeof VideoEncoder === 'undefined') {
    throw new ZoetropeError('EncoderUnavailableError', 'This browser has no WebCodecs video encoder.');
  }
  const { width, height } = frames;
  const timing = { startMs: 0, frameMs: 0, addMs: 0, firstAddMs: 0, finalizeMs: 0 };
  let mark = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = now - mark;
    mark = now;
    return ms;
  };
  const codec = await getFirstEncodableVideoCodec(preference, { width, height, quality: QUALITY_HIGH, frameRate: fps });
  if (codec !== 'avc' && codec !== 'vp9') {
    const names = preference.map((c) => (c === 'avc' ? 'H.264' : 'VP9')).join(' nor ');
    throw new ZoetropeError('EncoderUnavailableError', `This browser cannot encode ${names} at ${width}×${height}.`, { width, height });
  }
  const output = new Output({ format: new Mp4OutputFormat({ fastStart: 'in-memory' }), target: new BufferTarget() });
  // Short clips loop in the player, so every frame after the first is a delta
  // frame; one key frame per second keeps seeking cheap on longer clips.
  const source = new VideoSampleSource({ codec, quality: QUALITY_HIGH, keyFrameInterval: 1 });
  output.addVideoTrack(source, { frameRate: fps });
  if (tags) output.setMetadataTags(tags);
  await output.start();
  timing.startMs = lap();
  try {
    for (let i = 0; i < frames.frames; i++) {
      checkpoint();
      lap();
      const data = await frames.frame(i);
      timing.frameMs += lap();
      const sample = new VideoSample(data, {
        format: 'RGBA',
        codedWidth: width,
        codedHeight: height,
        timestamp: i / fps,
        duration: 1 / fps,
      });
      try {
        await source.add(sample);
      } finally {
        sample.close();
      }
      onFrame(i + 1);
      const added = lap();
      timing.addMs += added;
      if (i === 0) timing.firstAddMs = added;
    }
    await output.finalize();
    timing.finalizeMs = lap();
  } catch (error) {
    await output.cancel().catch(() => {});
    if (error instanceof ZoetropeError && error.name === 'AbortError') throw error;
    throw new ZoetropeError('EncoderUnavailableError', `Encoding the video failed: ${error instanceof Error ? error.message : String(error)}`, { codec });
  }
  const buffer = output.target.buffer;
  if (!buffer) throw new ZoetropeError('EncoderUnavailableError', 'The MP4 muxer produced no file.');
  const mimeType = await output.getMimeType();
  return { bytes: new Uint8Array(buffer), codec, mimeType, timing };
}
