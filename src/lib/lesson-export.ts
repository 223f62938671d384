// Owns turning a generated lesson into one MP4: every frame drawn by
// LessonRenderer, encoded with WebCodecs through mediabunny's CanvasSource
// (H.264, else VP9), the captions as a WebVTT subtitle track as well, and
// the provenance record in the file's metadata tags.

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
import { buildTimeline, webVtt } from '../shared/lesson-timeline';
import type { CodecPreference } from '../shared/options';
import { provenanceTags, type Provenance } from '../shared/provenance';
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
}

export interface ExportRequest {
  lesson: Lesson;
  scenes: RenderScene[];
  fps: number;
  provenance: Provenance;
  codec: CodecPreference;
  signal: AbortSignal;
  onFrame: (done: number, total: number) => void;
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
    output.setMetadataTags(provenanceTags(req.provenance, lesson.title || 'Lesson'));
    await output.start();
    try {
      if (captioned) {
        await subtitles.add(vtt);
        subtitles.close();
      }
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
    return { mp4: new Blob([buffer], { type: 'video/mp4' }), vtt, width, height, frames: timeline.totalFrames, fps, codec, encodeMs: performance.now() - started };
  } finally {
    renderer.close();
  }
}
