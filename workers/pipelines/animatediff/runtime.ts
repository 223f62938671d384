// Owns one loaded animatediff model and a job from prompt to RGBA frames
// (models/animatediff/CONTRACT.md): CLIP once → the seeded noise × σ_max →
// for each step a cooperative checkpoint, the scaled latent through the
// UNet (int64 timestep), the Euler step and a cheap preview → the VAE
// decoder one frame at a time, a checkpoint between frames. Every ORT run is
// timed (textOrtMs, stepOrtMs, decodeMs) so the bench can tell ORT's time
// from the pipeline's own. Wiring only: the maths is in euler-discrete.ts
// and latent-pixels.ts.

import { ZoetropeError } from '../../../src/shared/errors';
import type { ManifestOf } from '../../../src/shared/manifest';
import type { GenerateOptions } from '../../../src/shared/options';
import type { RgbaFrames } from '../../frames';
import { gaussianNoise } from '../../noise';
import type { FeedTensor, ModelSession } from '../../ort-runtime';
import { checkDistilledOptions, graphBytes, outputOf, requireIo, WARM_UP_MAX_BYTES } from '../graph-io';
import type { PipelineHooks, PipelineOutput, PipelineRuntime } from '../types';
import type { ClipTokenizer } from './clip-tokens';
import { eulerSchedule, eulerStep, initialLatent, scaleModelInput } from './euler-discrete';
import { imageToRgba, latentFrame, latentPreview } from './latent-pixels';

type Manifest = ManifestOf<'animatediff'>;

export interface DenoiseResult extends Omit<PipelineOutput, 'frames' | 'latents' | 'decodeMs'> {
  /** x after the last step (σ = 0): the clean latent [4, F, h, w], before ÷ scalingFactor. */
  latent: Float32Array;
}

export class AnimateDiffRuntime implements PipelineRuntime {
  private readonly shape: [number, number, number, number];

  constructor(
    readonly manifest: Manifest,
    private readonly tokenizer: ClipTokenizer,
    private readonly textEncoder: ModelSession,
    private readonly unet: ModelSession,
    private readonly decoder: ModelSession,
  ) {
    this.shape = manifest.sample.shape;
    requireIo(textEncoder, ['input_ids'], [], 'text encoder');
    requireIo(unet, ['sample', 'timestep'], ['noise_pred'], 'denoiser');
    requireIo(decoder, ['latent'], ['image'], 'decoder');
    // The denoiser's text inputs come from the text encoder, by name, as in every kind.
    for (const name of unet.inputNames) {
      if (name !== 'sample' && name !== 'timestep' && !textEncoder.outputNames.includes(name)) {
        throw new ZoetropeError('UnsupportedModelError', `The denoiser input "${name}" is not produced by the text encoder.`, { input: name });
      }
    }
  }

  private get sampleSize(): number {
    const [c, f, h, w] = this.shape;
    return c * f * h * w;
  }

  private async encodeText(ids: BigInt64Array): Promise<Record<string, FeedTensor>> {
    const L = this.manifest.tokenizer.maxLength;
    const out = await this.textEncoder.run({ input_ids: { type: 'int64', data: ids, dims: [1, L] } });
    const feeds: Record<string, FeedTensor> = {};
    for (const [name, tensor] of Object.entries(out)) feeds[name] = { type: 'float32', data: tensor.data, dims: tensor.dims };
    return feeds;
  }

  private denoiserFeeds(text: Record<string, FeedTensor>, sample: Float32Array, t: number): Record<string, FeedTensor> {
    return {
      ...text,
      sample: { type: 'float32', data: sample, dims: [1, ...this.shape] },
      timestep: { type: 'int64', data: BigInt64Array.of(BigInt(t)), dims: [1] },
    };
  }

  private decoderFeeds(latent: Float32Array): Record<string, FeedTensor> {
    const [c, , h, w] = this.shape;
    return { latent: { type: 'float32', data: latent, dims: [1, c, h, w] } };
  }

  /**
   * Every graph once on zeros (padding ids, t = 999, a zero latent frame): ORT's first-run setup, paid
   * at load. Not the UNet of a big pack: one warm-up run of SD 1.5's 1.7 GB UNet + motion modules costs a
   * whole step (tens of seconds on WASM) to save its first run's setup, which is a small part of a step.
   */
  async warmUp(): Promise<void> {
    const [c, , h, w] = this.shape;
    const text = await this.encodeText(new BigInt64Array(this.manifest.tokenizer.maxLength));
    if (graphBytes(this.manifest, this.manifest.graphs.denoiser) <= WARM_UP_MAX_BYTES) {
      await this.unet.run(this.denoiserFeeds(text, new Float32Array(this.sampleSize), this.manifest.scheduler.trainTimesteps - 1));
    }
    await this.decoder.run(this.decoderFeeds(new Float32Array(c * h * w)));
  }

  async release(): Promise<void> {
    await this.textEncoder.release();
    await this.unet.release();
    await this.decoder.release();
  }

  /** Text encoder once, then every step: the final latent [4, F, h, w] and the timings of both. */
  async denoise(options: GenerateOptions, hooks: Omit<PipelineHooks, 'onDecode'>): Promise<DenoiseResult> {
    checkDistilledOptions(options, this.manifest.scheduler.steps, 'motion model');
    const shape = this.shape;
    await hooks.checkpoint();
    hooks.onText();
    const textStarted = performance.now();
    const text = await this.encodeText(this.tokenizer.inputIds(options.prompt));
    const textMs = performance.now() - textStarted;
    const textOrtMs = this.textEncoder.lastRunMs;

    const loopStartedAt = performance.now();
    let setupMs = -1;
    const schedule = eulerSchedule(this.manifest.scheduler, options.steps);
    const x = initialLatent(gaussianNoise(options.seed, this.sampleSize), schedule);
    const scaled = new Float32Array(x.length);
    const x0 = options.previewEvery > 0 ? new Float32Array(x.length) : null;
    const stepMs: number[] = [];
    const stepOrtMs: number[] = [];
    let previewMs = 0;
    for (let i = 0; i < options.steps; i++) {
      if (setupMs < 0) setupMs = performance.now() - loopStartedAt;
      await hooks.checkpoint();
      const started = performance.now();
      scaleModelInput(x, schedule, i, scaled);
      const out = await this.unet.run(this.denoiserFeeds(text, scaled, schedule.timesteps[i]!));
      stepOrtMs.push(this.unet.lastRunMs);
      const eps = outputOf(out, 'noise_pred', x.length, 'denoiser', `[1, ${shape.join(', ')}]`);
      // As the DiT kind does: a preview after the first step and every previewEvery steps, never after the last.
      const wantPreview = x0 !== null && ((i + 1) % options.previewEvery === 0 || i === 0) && i + 1 < options.steps;
      eulerStep(x, eps, schedule, i, wantPreview ? x0 : undefined);
      stepMs.push(performance.now() - started);
      const previewStarted = performance.now();
      const preview = wantPreview ? latentPreview(x0, shape) : null;
      previewMs += performance.now() - previewStarted;
      hooks.onStep(i + 1, options.steps, preview);
    }
    const loopMs = performance.now() - loopStartedAt;
    return { latent: x, textMs, textOrtMs, stepMs, stepOrtMs, loopStartedAt, loopMs, previewMs, setupMs: Math.max(0, setupMs) };
  }

  /** The decoder on frame f of the final latent: its image [1, 3, H, W], about [-1, 1]. */
  async decodeFrame(latent: Float32Array, f: number): Promise<Float32Array> {
    const [channels, , h, w] = this.shape;
    const { height, width } = this.manifest.video;
    const frame = latentFrame(latent, this.shape, f, this.manifest.latent.scalingFactor, new Float32Array(channels * h * w));
    const out = await this.decoder.run(this.decoderFeeds(frame));
    return outputOf(out, 'image', 3 * height * width, 'decoder', `[1, 3, ${height}, ${width}]`);
  }

  async run(options: GenerateOptions, hooks: PipelineHooks): Promise<PipelineOutput> {
    const { latent, ...timings } = await this.denoise(options, hooks);
    const frames = this.shape[1];
    const { height, width } = this.manifest.video;
    // The VAE one frame at a time: its activations at full size for 16 frames at once would be GBs.
    const rgba = new Uint8ClampedArray(frames * height * width * 4);
    let decodeMs = 0;
    for (let f = 0; f < frames; f++) {
      await hooks.checkpoint();
      const image = await this.decodeFrame(latent, f);
      decodeMs += this.decoder.lastRunMs;
      imageToRgba(image, height, width, rgba, f * height * width * 4);
      hooks.onDecode(f + 1, frames);
    }
    const result: RgbaFrames = { rgba, frames, width, height };
    return { frames: result, ...timings, latents: 'cpu', decodeMs };
  }
}
