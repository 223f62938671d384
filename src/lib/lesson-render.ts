// Owns drawing one frame of a lesson video on a 2D canvas: the scene's model
// frame upscaled with the browser's high-quality filter (the square picture
// in the middle, over a blurred, darkened copy that fills the wide frame),
// crossfades as opacity, the caption in a bundled font with a dark outline,
// and the small "AI-generated" mark. The font file ships with the app
// (@fontsource/atkinson-hyperlegible, precached by the service worker).

import fontUrl from '@fontsource/atkinson-hyperlegible/files/atkinson-hyperlegible-latin-700-normal.woff2?url';
import type { ModelFrames } from '../shared/engine-api';
import type { ExtendMode } from '../shared/lesson';
import { layersAt, sourceFrameIndex, type Timeline } from '../shared/lesson-timeline';

export const CAPTION_FONT = 'Zoetrope Captions';
let fontReady: Promise<void> | null = null;

/** Loads the bundled caption font once; canvas text needs it loaded before drawing. */
export function loadCaptionFont(): Promise<void> {
  return (fontReady ??= (async () => {
    const face = new FontFace(CAPTION_FONT, `url(${fontUrl})`, { weight: '700' });
    await face.load();
    document.fonts.add(face);
  })());
}

/** 16:9 output of the given height, both sides even (H.264 needs even sizes). */
export function outputSize(height: number): { width: number; height: number } {
  return { width: 2 * Math.round((height * 16) / 9 / 2), height };
}

export interface RenderScene {
  frames: ModelFrames;
  caption: string;
}

export interface RenderOptions {
  extend: ExtendMode;
  captions: boolean;
  aiMark: boolean;
}

export class LessonRenderer {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly bitmaps: ImageBitmap[][] = [];

  private constructor(readonly width: number, readonly height: number, private readonly scenes: RenderScene[], private readonly timeline: Timeline, private readonly options: RenderOptions) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    const ctx = this.canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('This browser has no 2D canvas.');
    this.ctx = ctx;
  }

  static async create(height: number, scenes: RenderScene[], timeline: Timeline, options: RenderOptions): Promise<LessonRenderer> {
    const size = outputSize(height);
    const r = new LessonRenderer(size.width, size.height, scenes, timeline, options);
    await loadCaptionFont();
    for (const s of scenes) {
      const { width, height: h, frames, rgba } = s.frames;
      const list: ImageBitmap[] = [];
      for (let i = 0; i < frames; i++) {
        const pixels = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset + i * width * h * 4, width * h * 4);
        list.push(await createImageBitmap(new ImageData(new Uint8ClampedArray(pixels), width, h)));
      }
      r.bitmaps.push(list);
    }
    return r;
  }

  close(): void {
    for (const list of this.bitmaps) for (const b of list) b.close();
  }

  /** Draws output frame f. */
  draw(f: number): void {
    const { ctx, width: W, height: H } = this;
    ctx.globalAlpha = 1;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, W, H);
    const layers = layersAt(this.timeline, f);
    for (const layer of layers) {
      const list = this.bitmaps[layer.scene]!;
      const bitmap = list[sourceFrameIndex(layer.local, list.length, this.options.extend)]!;
      ctx.globalAlpha = layer.alpha;
      this.drawPicture(bitmap);
    }
    if (this.options.captions) {
      for (const layer of layers) {
        const caption = this.scenes[layer.scene]?.caption.trim();
        if (caption) this.drawCaption(caption, layer.alpha);
      }
    }
    ctx.globalAlpha = 1;
    if (this.options.aiMark) this.drawMark();
  }

  private drawPicture(bitmap: ImageBitmap): void {
    const { ctx, width: W, height: H } = this;
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    // The wide frame's sides: the same picture, covering, blurred and dimmed.
    ctx.filter = `blur(${Math.round(H / 40)}px) brightness(0.55)`;
    ctx.drawImage(bitmap, 0, (H - W) / 2, W, W);
    ctx.filter = 'none';
    const side = H;
    ctx.drawImage(bitmap, (W - side) / 2, 0, side, side);
  }

  private drawCaption(text: string, alpha: number): void {
    const { ctx, width: W, height: H } = this;
    const size = Math.round(H * 0.068);
    ctx.font = `700 ${size}px "${CAPTION_FONT}", sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'alphabetic';
    ctx.lineJoin = 'round';
    const lines = wrap(ctx, text, W * 0.9).slice(0, 2);
    const lineHeight = size * 1.2;
    const bottom = H - H * 0.07;
    ctx.globalAlpha = alpha;
    lines.forEach((line, i) => {
      const y = bottom - (lines.length - 1 - i) * lineHeight;
      ctx.lineWidth = Math.max(3, size * 0.2);
      ctx.strokeStyle = 'rgba(0, 0, 0, 0.9)';
      ctx.strokeText(line, W / 2, y);
      ctx.fillStyle = '#fff';
      ctx.fillText(line, W / 2, y);
    });
  }

  private drawMark(): void {
    const { ctx, width: W, height: H } = this;
    const size = Math.max(10, Math.round(H * 0.03));
    ctx.font = `700 ${size}px "${CAPTION_FONT}", sans-serif`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'top';
    const text = 'AI-generated';
    const pad = size * 0.45;
    const w = ctx.measureText(text).width;
    const x = W - size;
    const y = size * 0.8;
    ctx.fillStyle = 'rgba(0, 0, 0, 0.55)';
    ctx.fillRect(x - w - pad, y - pad * 0.7, w + 2 * pad, size + pad * 1.4);
    ctx.fillStyle = 'rgba(255, 255, 255, 0.92)';
    ctx.fillText(text, x, y);
  }
}

/** Splits a caption into lines that fit: its own line breaks first, then words. */
function wrap(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      const next = line ? `${line} ${word}` : word;
      if (line && ctx.measureText(next).width > maxWidth) {
        out.push(line);
        line = word;
      } else {
        line = next;
      }
    }
    if (line) out.push(line);
  }
  return out;
}
