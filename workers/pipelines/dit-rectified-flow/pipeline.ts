// Owns one loaded model of kind "dit-rectified-flow" (the PipelineRuntime of
// ./index.ts): its tokenizer and ONNX sessions, and a generation
// job from prompt to RGBA frames (text encoder once, then the denoising
// loop, with the latents on the CPU or, on WebGPU, on the GPU). Wiring only:
// the maths lives in denoise-loop.ts, scheduler.ts and gpu-latents.ts. It
// times every ORT session.run, so that the bench can tell ORT's time from
// the pipeline's own overhead.

import { ZoetropeError } from '../../../src/shared/errors';
import type { ManifestOf } from '../../../src/shared/manifest';
import type { GenerateOptions } from '../../../src/shared/options';
import { cpuStepper, denoise, type Stepper } from './denoise-loop';
import { knownRegion, sampleToRgba, type RgbaFrames } from '../../frames';
import { gpuStepper } from './gpu-latents';
import type { FeedTensor, ModelSession, OutputTensor } from '../../ort-runtime';
import type { PromptTokenizer } from '../../tokenize';
import type { PipelineHooks, PipelineOutput, PipelineRuntime } from '../types';

export class Pipeline implements PipelineRuntime {
  constructor(
    readonly manifest: ManifestOf<'dit-rectified-flow'>,
    private readonly tokenizer: PromptTokenizer,
    private readonly textEncoder: ModelSession | null,
    private readonly denoiser: ModelSession,
    /** WebGPU: keep the latents on the GPU between steps. */
    private readonly gpuLatents: boolean,
    /** The batch-1 denoiser for unguided steps (graph-variants.ts conditionalDenoiser), where the backend has one. */
    private readonly conditional: ModelSession | null = null,
    /** Latents on the CPU: the step's arithmetic in WebAssembly (step-kernel.ts), not in JS. */
    private readonly wasmStep = true,
  ) {
    for (const name of ['sample', 'timestep']) {
      if (!denoiser.inputNames.includes(name)) {
        throw new ZoetropeError('UnsupportedModelError', `The denoiser has no input named "${name}".`, { input: name });
      }
    }
  }

  /**
   * Runs every graph once on zeros (the text encoder on padding, the denoiser at t = 1, the
   * conditional graph too): onnxruntime's first run of a session pays for allocations and kernel
   * setup, and V8 compiles the hot WASM kernels in the background only once they have run
   * (dynamic tiering). Done at load, while the person writes a prompt, instead of in the first video.
   */
  async warmUp(): Promise<void> {
    const { shape } = this.manifest.sample;
    const n = shape[0] * shape[1] * shape[2] * shape[3];
    const L = this.manifest.tokenizer.maxLength;
    const ids: FeedTensor = { type: 'int64', data: new BigInt64Array(2 * L), dims: [2, L] };
    const text: Record<string, FeedTensor> = {};
    if (this.textEncoder) {
      for (const [name, out] of Object.entries(await this.textEncoder.run({ input_ids: ids }))) text[name] = toFeed(out);
    } else {
      text['input_ids'] = ids;
    }
    const timestep: FeedTensor = { type: 'float32', data: new Float32Array([1, 1]), dims: [2] };
    await this.denoiser.run({ ...text, timestep, sample: { type: 'float32', data: new Float32Array(2 * n), dims: [2, ...shape] } });
    if (this.conditional) {
      await this.conditional.run({ ...promptRow(text), timestep: { type: 'float32', data: new Float32Array([1]), dims: [1] }, sample: { type: 'float32', data: new Float32Array(n), dims: [1, ...shape] } });
    }
  }

  async release(): Promise<void> {
    await this.textEncoder?.release();
    await this.denoiser.release();
    await this.conditional?.release();
  }

  private known(rgba: Uint8Array, frames: number) {
    try {
      return knownRegion(rgba, frames, this.manifest.sample.shape);
    } catch (e) {
      throw new ZoetropeError('OptionsError', `knownFrames: ${e instanceof Error ? e.message : String(e)}.`, { field: 'knownFrames' });
    }
  }

  async run(options: GenerateOptions, hooks: PipelineHooks): Promise<PipelineOutput> {
    const { shape } = this.manifest.sample;
    const sampleSize = shape[0] * shape[1] * shape[2] * shape[3];
    const L = this.manifest.tokenizer.maxLength;
    await hooks.checkpoint();
    hooks.onText();
    const textStarted = performance.now();
    const ids: FeedTensor = { type: 'int64', data: this.tokenizer.batch(options.prompt), dims: [2, L] };
    const textFeeds: Record<string, FeedTensor> = {};
    if (this.textEncoder) {
      const outputs = await this.textEncoder.run({ input_ids: ids });
      // Every text-encoder output is fed to the denoiser input of the same name.
      for (const [name, out] of Object.entries(outputs)) textFeeds[name] = toFeed(out);
    } else {
      textFeeds['input_ids'] = ids;
    }
    const textMs = performance.now() - textStarted;
    const textOrtMs = this.textEncoder?.lastRunMs ?? 0;
    for (const name of this.denoiser.inputNames) {
      if (name !== 'sample' && name !== 'timestep' && !(name in textFeeds)) {
        throw new ZoetropeError('UnsupportedModelError', `The denoiser input "${name}" is not produced by the text encoder.`, { input: name });
      }
    }

    const stepMs: number[] = [];
    const stepOrtMs: number[] = [];
    const dims = [2, ...shape];
    const outputName = this.denoiser.outputNames.includes('velocity') ? 'velocity' : this.denoiser.outputNames[0]!;
    const timestep = new Float32Array(2);
    const otherFeeds = (t: number): Record<string, FeedTensor> => {
      timestep.fill(t);
      return { ...textFeeds, timestep: { type: 'float32', data: timestep, dims: [2] } };
    };
    const condText = promptRow(textFeeds);
    const condDims = [1, ...shape];
    // The ORT time of the step's call, from whichever session ran it.
    let lastOrtMs = 0;
    // Known frames (a scene's continuation) are imposed on the CPU sample every step.
    const onGpu = this.gpuLatents && this.denoiser.device !== null && !options.knownFrames;
    const conditional = this.conditional;
    const stepper: Stepper = onGpu
      ? gpuStepper(this.denoiser, dims, 'sample', outputName, otherFeeds)
      : cpuStepper(
          async (batch, t) => {
            const out = await this.denoiser.run({ ...otherFeeds(t), sample: { type: 'float32', data: batch, dims } });
            lastOrtMs = this.denoiser.lastRunMs;
            const velocity = out[outputName];
            if (!velocity || velocity.data.length !== 2 * sampleSize) {
              throw new ZoetropeError('UnsupportedModelError', `The denoiser output "${outputName}" does not have the shape [2, ${shape.join(', ')}].`);
            }
            return velocity.data;
          },
          sampleSize,
          conditional
            ? async (x, t) => {
                timestep.fill(t);
                const feeds = { ...condText, timestep: { type: 'float32', data: timestep.subarray(0, 1), dims: [1] }, sample: { type: 'float32', data: x, dims: condDims } } as Record<string, FeedTensor>;
                const out = await conditional.run(feeds);
                lastOrtMs = conditional.lastRunMs;
                const velocity = out[outputName];
                if (!velocity || velocity.data.length !== sampleSize) {
                  throw new ZoetropeError('UnsupportedModelError', `The conditional denoiser output "${outputName}" does not have the shape [1, ${shape.join(', ')}].`);
                }
                return velocity.data;
              }
            : undefined,
          this.wasmStep,
        );
    let previewMs = 0;
    let setupMs = -1;
    const loopStartedAt = performance.now();
    const sample = await denoise(
      {
        seed: options.seed,
        sampleSize,
        steps: options.steps,
        guidance: options.guidance,
        shift: this.manifest.scheduler.shift,
        scheduler: this.manifest.scheduler.kind,
        guidanceInterval: this.manifest.scheduler.guidanceInterval,
        previewEvery: options.previewEvery,
        known: options.knownFrames ? this.known(options.knownFrames.rgba, options.knownFrames.frames) : null,
      },
      stepper,
      {
        checkpoint: () => {
          if (setupMs < 0) setupMs = performance.now() - loopStartedAt;
          return hooks.checkpoint();
        },
        onStep: (step, steps, ms, preview) => {
          stepMs.push(ms);
          stepOrtMs.push(onGpu ? this.denoiser.lastRunMs : lastOrtMs);
          const previewStarted = performance.now();
          const pixels = preview ? sampleToRgba(preview, shape) : null;
          previewMs += performance.now() - previewStarted;
          hooks.onStep(step, steps, pixels);
        },
      },
    );
    const loopMs = performance.now() - loopStartedAt;
    const frames = sampleToRgba(sample, shape);
    return { frames, textMs, textOrtMs, stepMs, stepOrtMs, latents: onGpu ? 'gpu' : 'cpu', loopStartedAt, loopMs, previewMs, setupMs: Math.max(0, setupMs) };
  }
}

/** Row 0 of every batch-2 text feed (the prompt's; row 1 is the empty prompt's): the conditional graph's text. */
function promptRow(feeds: Record<string, FeedTensor>): Record<string, FeedTensor> {
  const out: Record<string, FeedTensor> = {};
  for (const [name, feed] of Object.entries(feeds)) {
    const rows = feed.dims[0] ?? 1;
    out[name] = { ...feed, data: feed.data.slice(0, feed.data.length / rows), dims: [1, ...feed.dims.slice(1)] } as FeedTensor;
  }
  return out;
}

function toFeed(out: OutputTensor): FeedTensor {
  return { type: 'float32', data: out.data, dims: out.dims };
}
