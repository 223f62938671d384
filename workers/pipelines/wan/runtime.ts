// Owns one loaded wan model and a job from prompt to RGBA frames
// (models/wan/CONTRACT.md): umT5 once (the prompt's rows of the token table
// and its mask → context) → the seeded noise × s_0 → for each rCM step a
// cooperative checkpoint, the DiT's velocity at bf16(s_i · 1000) and the step →
// TAEW2.1 one latent frame a call, its memories fed back from call to call,
// a checkpoint before each call, the clip's first frames trimmed. Every ORT
// run is timed (textOrtMs, stepOrtMs, decodeMs) so the bench can tell ORT's
// time from the pipeline's own. Wiring only: the maths is in rcm.ts,
// token-table.ts, umt5-tokens.ts and taew-frames.ts.
//
// No step preview: a latent → RGB fit of Wan's VAE latent space is not
// something this project could check on real weights, and a TAEW pass per
// preview would cost a decode of every latent frame on steps that number 1–4.

import { ZoetropeError } from '../../../src/shared/errors';
import type { ManifestOf } from '../../../src/shared/manifest';
import type { GenerateOptions } from '../../../src/shared/options';
import type { RgbaFrames } from '../../frames';
import { gaussianNoise } from '../../noise';
import type { FeedTensor, ModelSession } from '../../ort-runtime';
import { checkDistilledOptions, graphBytes, outputOf, requireIo, WARM_UP_MAX_BYTES } from '../graph-io';
import type { PipelineHooks, PipelineOutput, PipelineRuntime } from '../types';
import { ditTimestep, initialSample, rcmStep, rcmTimes } from './rcm';
import { latentFrame, writeDecodedFrames, zeroState } from './taew-frames';
import type { TokenTable } from './token-table';
import type { Umt5Tokenizer } from './umt5-tokens';

type Manifest = ManifestOf<'wan'>;

export interface DenoiseResult extends Omit<PipelineOutput, 'frames' | 'latents' | 'decodeMs'> {
  /** x after the last step (s = 0): the clean latent [16, F, h, w]. */
  latent: Float32Array;
}

export class WanRuntime implements PipelineRuntime {
  private readonly shape: [number, number, number, number];

  constructor(
    readonly manifest: Manifest,
    private readonly tokenizer: Umt5Tokenizer,
    private readonly table: TokenTable,
    private readonly textEncoder: ModelSession,
    private readonly dit: ModelSession,
    private readonly decoder: ModelSession,
  ) {
    this.shape = manifest.sample.shape;
    const { state } = manifest.decoder;
    requireIo(textEncoder, ['inputs_embeds', 'attention_mask'], ['context'], 'text encoder', true);
    requireIo(dit, ['sample', 'timestep', 'context'], ['velocity'], 'denoiser', true);
    requireIo(decoder, ['latent', ...state.map((s) => s.input)], ['image', ...state.map((s) => s.output)], 'decoder', true);
  }

  private get sampleSize(): number {
    const [c, f, h, w] = this.shape;
    return c * f * h * w;
  }

  /** umT5 on the token table's rows of `ids`: context [1, L, dim], zero where the mask is 0. */
  private async encodeText(ids: readonly number[], mask: readonly number[]): Promise<FeedTensor> {
    const L = this.manifest.tokenizer.maxLength;
    const { dim } = this.manifest.embeddings;
    const out = await this.textEncoder.run({
      inputs_embeds: { type: 'float32', data: this.table.lookup(ids), dims: [1, L, dim] },
      attention_mask: { type: 'int64', data: BigInt64Array.from(mask, (m) => BigInt(m)), dims: [1, L] },
    });
    return { type: 'float32', data: outputOf(out, 'context', L * dim, 'text encoder', `[1, ${L}, ${dim}]`), dims: [1, L, dim] };
  }

  private ditFeeds(context: FeedTensor, sample: Float32Array, timestep: number): Record<string, FeedTensor> {
    return {
      sample: { type: 'float32', data: sample, dims: [1, ...this.shape] },
      timestep: { type: 'float32', data: Float32Array.of(timestep), dims: [1] },
      context,
    };
  }

  private decoderFeeds(latent: Float32Array, memories: readonly Float32Array[]): Record<string, FeedTensor> {
    const [c, , h, w] = this.shape;
    const feeds: Record<string, FeedTensor> = { latent: { type: 'float32', data: latent, dims: [1, c, h, w] } };
    this.manifest.decoder.state.forEach((s, k) => (feeds[s.input] = { type: 'float32', data: memories[k]!, dims: s.shape }));
    return feeds;
  }

  /**
   * Every graph once at load (an eos-only prompt, the first step's timestep on a zero latent, a first decoder call):
   * ORT's first-run setup, paid at load. Not a DiT over 64 MiB: Wan 1.3B's run costs a whole step.
   */
  async warmUp(): Promise<void> {
    const [c, , h, w] = this.shape;
    const { ids, mask } = this.tokenizer.encode('');
    const context = await this.encodeText(ids, mask);
    if (graphBytes(this.manifest, this.manifest.graphs.denoiser) <= WARM_UP_MAX_BYTES) {
      await this.dit.run(this.ditFeeds(context, new Float32Array(this.sampleSize), ditTimestep(rcmTimes(this.manifest.scheduler, 1), 0)));
    }
    await this.decoder.run(this.decoderFeeds(new Float32Array(c * h * w), zeroState(this.manifest.decoder.state)));
  }

  async release(): Promise<void> {
    await this.textEncoder.release();
    await this.dit.release();
    await this.decoder.release();
  }

  /** Text encoder once, then every step: the final latent [16, F, h, w] and the timings of both. */
  async denoise(options: GenerateOptions, hooks: Omit<PipelineHooks, 'onDecode'>): Promise<DenoiseResult> {
    checkDistilledOptions(options, this.manifest.scheduler.steps, 'rCM model');
    await hooks.checkpoint();
    hooks.onText();
    const textStarted = performance.now();
    const { ids, mask } = this.tokenizer.encode(options.prompt);
    const context = await this.encodeText(ids, mask);
    const textMs = performance.now() - textStarted;
    const textOrtMs = this.textEncoder.lastRunMs;

    const loopStartedAt = performance.now();
    let setupMs = -1;
    const n = this.sampleSize;
    const s = rcmTimes(this.manifest.scheduler, options.steps);
    // One draw for the whole job: the first n values start it, each later step re-noises with the next n.
    const noise = gaussianNoise(options.seed, n * options.steps);
    const x = initialSample(noise, n, s);
    const stepMs: number[] = [];
    const stepOrtMs: number[] = [];
    for (let i = 0; i < options.steps; i++) {
      if (setupMs < 0) setupMs = performance.now() - loopStartedAt;
      await hooks.checkpoint();
      const started = performance.now();
      const out = await this.dit.run(this.ditFeeds(context, x, ditTimestep(s, i)));
      stepOrtMs.push(this.dit.lastRunMs);
      const v = outputOf(out, 'velocity', n, 'denoiser', `[1, ${this.shape.join(', ')}]`);
      rcmStep(x, v, noise, s, i);
      stepMs.push(performance.now() - started);
      hooks.onStep(i + 1, options.steps, null);
    }
    const loopMs = performance.now() - loopStartedAt;
    return { latent: x, textMs, textOrtMs, stepMs, stepOrtMs, loopStartedAt, loopMs, previewMs: 0, setupMs: Math.max(0, setupMs) };
  }

  /** Decoder call f on latent frame f with the memories of call f − 1 (replaced by this call's). */
  async decodeLatentFrame(latent: Float32Array, f: number, memories: Float32Array[]): Promise<Float32Array> {
    const [c, , h, w] = this.shape;
    const { height, width } = this.manifest.video;
    const { framesPerLatent, state } = this.manifest.decoder;
    const out = await this.decoder.run(this.decoderFeeds(latentFrame(latent, this.shape, f, new Float32Array(c * h * w)), memories));
    state.forEach((s, k) => (memories[k] = outputOf(out, s.output, memories[k]!.length, 'decoder', `[${s.shape.join(', ')}]`)));
    return outputOf(out, 'image', framesPerLatent * 3 * height * width, 'decoder', `[${framesPerLatent}, 3, ${height}, ${width}]`);
  }

  async run(options: GenerateOptions, hooks: PipelineHooks): Promise<PipelineOutput> {
    const { latent, ...timings } = await this.denoise(options, hooks);
    const latentFrames = this.shape[1];
    const { frames, height, width } = this.manifest.video;
    const { framesPerLatent, trimFrames } = this.manifest.decoder;
    const rgba = new Uint8ClampedArray(frames * height * width * 4);
    const memories = zeroState(this.manifest.decoder.state);
    let decodeMs = 0;
    let written = 0;
    // TAEW is causal in time: one latent frame a call, in order, each call given the last one's memories.
    for (let f = 0; f < latentFrames; f++) {
      await hooks.checkpoint();
      const image = await this.decodeLatentFrame(latent, f, memories);
      decodeMs += this.decoder.lastRunMs;
      written += writeDecodedFrames(image, f, { framesPerLatent, trimFrames, height, width }, rgba);
      // Counted in video frames, as a person counts them: 1 of 17 after the first call (3 are trimmed), then 5, 9 …
      hooks.onDecode(written, frames);
    }
    if (written !== frames) throw new ZoetropeError('UnsupportedModelError', `The decoder made ${written} frames after the trim, not ${frames}.`, { frames: written });
    const result: RgbaFrames = { rgba, frames, width, height };
    return { frames: result, ...timings, latents: 'cpu', decodeMs };
  }
}
