// Owns turning a generated lesson into one MP4: every frame drawn by
// LessonRenderer, encoded with WebCodecs through mediabunny's CanvasSource
// (H.264, else VP9), the captions as a WebVTT subtitle track as well, and
// the provenance record in the file's metadata tags; and, when the lesson has
// a voice, its mixed narration as an AAC or Opus track (audio-track.ts).

import {
  BufferTarget,
  CanvasSource,
  getFirstEncodableVideoCodec,
  Mp4OutputFormat,
  Output,
  QUALITY_HIGH,
  TextSubtitleSource,
} from 'mediabunny';
import { abortError, ZoetropeError } from '../shared/errors';
import type { Lesson } from '../shared/lesson';
import { buildTimeline, webVtt, type Timeline } from '../shared/lesson-timeline';
import { NARRATION_RATE } from '../shared/narration';
import { narrationLength } from '../shared/narration-mix';
import type { CodecPreference } from '../shared/options';
import { provenanceTags, type Provenance } from '../shared/provenance';
import { NarrationTrack, type AudioTrackReport } from './audio-track';
import { LessonRenderer, type RenderScene } from './lesson-render';

export interface LessonVideo {
  mp4: Blob;
  vtt: string;
  width: number;
  height: number;
  frames: number;
  fps: number;
  codec: 'avc' | 'vp9';
  encodeMs: number;
  /** The narration track, or null when the lesson has no voice (the MP4 then has no audio track). */
  audio: AudioTrackReport | null;
}

export interface ExportRequest {
  lesson: Lesson;
  scenes: RenderScene[];
  fps: number;
  provenance: Provenance;
  codec: CodecPreference;
  signal: AbortSignal;
  onFrame: (done: number, total: number) => void;
  /**
   * The lesson's mixed narration, mono at NARRATION_RATE and as long as the
   * video (src/shared/narration-mix.ts mixNarration); null or absent: no audio track.
   */
  narration?: Float32Array | null;
}

/**
 * The mix cut or padded with silence to the video's exact length, so the
 * audio track never makes the MP4 longer or shorter than its frames.
 */
function fitToVideo(mix: Float32Array, timeline: Timeline): Float32Array | null {
  if (mix.length === 0) return null;
  const length = narrationLength(timeline, NARRATION_RATE);
  if (mix.length === length) return mix;
  const out = new Float32Array(length);
  out.set(mix.subarray(0, length));
  return out;
}

export async function exportLesson(req: ExportRequest): Promise<LessonVideo> {
  const { lesson, fps } = req;
  const timeline = buildTimeline(lesson.scenes, fps);
  const vtt = webVtt(lesson.scenes, timeline);
  const renderer = await LessonRenderer.create(lesson.outputHeight, req.scenes, timeline, {
    extend: lesson.extend,
    captions: lesson.burnCaptions,
    aiMark: lesson.aiMark,
  });
  const { width, height } = renderer;
  const started = performance.now();
  try {
    const preference = req.codec === 'auto' ? (['avc', 'vp9'] as const) : ([req.codec] as const);
    const codec = await getFirstEncodableVideoCodec([...preference], { width, height, quality: QUALITY_HIGH, frameRate: fps });
    if (codec !== 'avc' && codec !== 'vp9') {
      throw new ZoetropeError('EncoderUnavailableError', `This browser cannot encode H.264 nor VP9 at ${width}×${height}.`, { width, height });
    }
    const output = new Output({ format: new Mp4OutputFormat({ fastStart: 'in-memory' }), target: new BufferTarget() });
    const video = new CanvasSource(renderer.canvas, { codec, bitrate: QUALITY_HIGH, keyFrameInterval: 1 });
    output.addVideoTrack(video, { frameRate: fps });
    const subtitles = new TextSubtitleSource('webvtt');
    const captioned = lesson.scenes.some((s) => s.caption.trim() !== '');
    if (captioned) output.addSubtitleTrack(subtitles, { languageCode: 'und', name: 'Captions' });
    // Added before start(), as mediabunny requires; a lesson without a voice gets no audio track at all.
    const mix = req.narration ? fitToVideo(req.narration, timeline) : null;
    const narration = mix ? await NarrationTrack.add(output) : null;
    output.setMetadataTags(provenanceTags(req.provenance, lesson.title || 'Lesson'));
    await output.start();
    try {
      if (captioned) {
        await subtitles.add(vtt);
        subtitles.close();
      }
      // The whole mix is encoded first: it is small next to the frames (8 s took about 0.1 s here), and its time is then its own.
      if (narration && mix) await narration.write(mix, req.signal);
      for (let f = 0; f < timeline.totalFrames; f++) {
        if (req.signal.aborted) throw abortError();
        renderer.draw(f);
        await video.add(f / fps, 1 / fps);
        req.onFrame(f + 1, timeline.totalFrames);
      }
      await output.finalize();
    } catch (e) {
      await output.cancel().catch(() => {});
      if (e instanceof ZoetropeError) throw e;
      throw new ZoetropeError('EncoderUnavailableError', `Encoding the lesson failed: ${e instanceof Error ? e.message : String(e)}`, { codec });
    }
    const buffer = output.target.buffer;
    if (!buffer) throw new ZoetropeError('EncoderUnavailableError', 'The MP4 muxer produced no file.');
    return { mp4: new Blob([buffer], { type: 'video/mp4' }), vtt, width, height, frames: timeline.totalFrames, fps, codec, encodeMs: performance.now() - started, audio: narration?.report() ?? null };
  } finally {
    renderer.close();
  }
}
