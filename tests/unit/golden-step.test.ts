// One real denoising step against the Python exporter's golden vectors, for
// the TEST FIXTURE model and for the shipped built-in pack (its graphs
// reassembled from the pack's shards, int8 weights included): the ONNX graphs
// run in onnxruntime-web's own WASM build under Node (the same runtime and
// version as in the browser), and the step goes through the app's
// denoise-loop code. Tolerances come from golden.json. A pack's per-backend
// graph variants (the built-in pack's dynamic-int8 WASM graph) take the same
// step, loaded as the engine loads them (src/shared/graph-variants.ts), and
// are held to the looser tolerance golden.json states for them. Packs
// exported since the multistep samplers also carry the first steps of their
// sampler (golden trajectory), taken here through the app's CPU stepper;
// since guidance on an interval, its unguided steps too, both through the
// batch-2 graph's conditional row and through the backend's batch-1
// conditional graph (conditionalDenoiser), as the engine takes them.
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cpuStepper, createScratch, denoiseStep, type ConditionalFn } from '../../workers/pipelines/dit-rectified-flow/denoise-loop';
import { gaussianNoise } from '../../workers/noise';
import { guidedSteps, stepCorrections, timesteps } from '../../workers/pipelines/dit-rectified-flow/scheduler';
import { chooseGraphs } from '../../src/shared/graph-variants';
import { validateManifest, type ManifestOf, type SchedulerKind } from '../../src/shared/manifest';
import { BUILT_IN_PACK, FIXTURE_MODEL, FIXTURE_PACK, goldenFloats, loadGolden, maxAbsDiff, meanAbsDiff, readJson, readPackFile } from './golden';

const MODELS = [
  {
    name: 'the fixture model',
    dir: FIXTURE_MODEL,
    read: (f: string) => new Uint8Array(readFileSync(join(FIXTURE_MODEL, f))),
    // The pack made from that folder (the test checks the two declare the same sampler).
    manifest: validateManifest(readJson(join(FIXTURE_PACK, 'manifest.json'))) as ManifestOf<'dit-rectified-flow'> | null,
  },
  {
    name: 'the built-in pack',
    dir: BUILT_IN_PACK,
    read: (f: string) => readPackFile(BUILT_IN_PACK, f),
    manifest: validateManifest(readJson(join(BUILT_IN_PACK, 'manifest.json'))) as ManifestOf<'dit-rectified-flow'> | null,
  },
];

describe.each(MODELS)('golden vectors of $name', ({ dir, read, manifest }) => {
  const golden = loadGolden(dir);
  const floats = (name: string) => goldenFloats(name, dir);
  let textEncoder: ort.InferenceSession;

  beforeAll(async () => {
    ort.env.wasm.numThreads = 1;
    textEncoder = await ort.InferenceSession.create(read('text_encoder.onnx'), { executionProviders: ['wasm'] });
  });

  async function encodeText(): Promise<Record<string, ort.Tensor>> {
    const ids = BigInt64Array.from(golden.input_ids.flat().map(BigInt));
    return textEncoder.run({ input_ids: new ort.Tensor('int64', ids, [2, golden.input_ids[0]!.length]) });
  }

  /** The first guided step (Euler for every sampler) through the app's denoise loop; returns the velocity and the next sample. */
  async function goldenStep(denoiser: ort.InferenceSession): Promise<{ velocity: Float32Array; next: Float32Array }> {
    const text = await encodeText();
    const shape = golden.step.sample_shape;
    const sample = floats(golden.step.sample);
    let velocity: Float32Array | null = null;
    await denoiseStep(
      sample,
      async (batch, t) => {
        const feeds: Record<string, ort.Tensor> = {
          ...text,
          sample: new ort.Tensor('float32', batch, [2, ...shape]),
          timestep: new ort.Tensor('float32', new Float32Array([t, t]), [2]),
        };
        velocity = (await denoiser.run(feeds))['velocity']!.data as Float32Array;
        return velocity;
      },
      golden.step.t,
      golden.step.t_next,
      golden.guidance,
      0, // step 0 is first order for every sampler
      createScratch(sample.length),
    );
    return { velocity: velocity!, next: sample };
  }

  it('the golden step starts from the seeded noise', () => {
    const sample = floats(golden.step.sample);
    expect(maxAbsDiff(gaussianNoise(golden.seed, sample.length), sample)).toBeLessThanOrEqual(1e-6);
  });

  it('text encoder matches text_states and text_mask', async () => {
    const out = await encodeText();
    expect(out['text_states']!.dims).toEqual(golden.text.states_shape);
    const states = out['text_states']!.data as Float32Array;
    expect(maxAbsDiff(states, floats(golden.text.states))).toBeLessThanOrEqual(golden.tolerance.text_states);
    expect(Array.from(out['text_mask']!.data as Float32Array)).toEqual(golden.text.mask.flat());
  });

  it('one guided Euler step matches velocity and next_sample', async () => {
    const denoiser = await ort.InferenceSession.create(read('denoiser.onnx'), { executionProviders: ['wasm'] });
    const { velocity, next } = await goldenStep(denoiser);
    await denoiser.release();
    expect(maxAbsDiff(velocity, floats(golden.step.velocity))).toBeLessThanOrEqual(golden.tolerance.velocity);
    expect(maxAbsDiff(next, floats(golden.step.next_sample))).toBeLessThanOrEqual(golden.tolerance.next_sample);
  });

  // Only packs exported with a trajectory (the built-in one) have this test; the fixture predates it.
  const trajectory = golden.trajectory;
  if (trajectory) it(`the pack's sampler (${golden.scheduler.kind}): its weights, and its first ${trajectory.steps} steps through the CPU stepper`, async () => {
    // The sampler the pack declares (manifest.json, or the source folder's model.json) is the one PyTorch ran.
    const declared = manifest ?? readJson<{ scheduler: { kind: SchedulerKind; guidanceInterval?: [number, number] } }>(join(dir, 'model.json'));
    const kind = declared.scheduler.kind;
    expect(golden.scheduler.kind).toBe(kind);
    const ts = timesteps(golden.scheduler.steps, golden.scheduler.shift);
    const corrections = stepCorrections(ts, kind);
    expect(maxAbsDiff(corrections, golden.scheduler.corrections ?? [])).toBeLessThanOrEqual(1e-9);
    // The steps PyTorch guided are the ones the pack's interval guides here.
    const guided = guidedSteps(ts, declared.scheduler.guidanceInterval);
    if (golden.scheduler.guided) expect(guided).toEqual(golden.scheduler.guided);
    const denoiser = await ort.InferenceSession.create(read('denoiser.onnx'), { executionProviders: ['wasm'] });
    const text = await encodeText();
    const shape = golden.step.sample_shape;
    const n = shape.reduce((a, b) => a * b, 1);
    const velocityFn = async (batch: Float32Array, t: number) => {
      const out = await denoiser.run({
        ...text,
        sample: new ort.Tensor('float32', batch, [2, ...shape]),
        timestep: new ort.Tensor('float32', new Float32Array([t, t]), [2]),
      });
      return out['velocity']!.data as Float32Array;
    };
    const want = floats(trajectory.file);
    /** The first steps through the CPU stepper; unguided ones through `conditionalFn` when given, else row 0 of the batch-2 call. */
    const follow = async (conditionalFn?: ConditionalFn) => {
      const stepper = cpuStepper(velocityFn, n, conditionalFn);
      await stepper.start(gaussianNoise(golden.seed, n));
      const errors: number[] = [];
      for (let i = 0; i < trajectory.steps; i++) {
        await stepper.step(ts[i]!, ts[i + 1]!, guided[i] ? golden.guidance : null, corrections[i]!, null);
        errors.push(maxAbsDiff(stepper.cpuSample!(), want.subarray(i * n, (i + 1) * n)));
      }
      return errors;
    };
    const errors = await follow();
    console.log(`golden trajectory, ${kind}, guided ${guided.slice(0, trajectory.steps).join(' ')}: max error per step ${errors.map((e) => e.toExponential(2)).join(', ')}`);
    for (const e of errors) expect(e).toBeLessThanOrEqual(trajectory.tolerance);

    // The backend's batch-1 conditional graph on the unguided steps, as the engine runs them (WASM).
    const choice = chooseGraphs(manifest!, 'wasm', true).conditionalDenoiser;
    if (choice && guided.slice(0, trajectory.steps).includes(false)) {
      const externalData = choice.externalData.map((path) => ({ path, data: read(path) }));
      const conditional = await ort.InferenceSession.create(read(choice.file), { executionProviders: ['wasm'], externalData });
      const condText = promptRow(text);
      const viaConditional = await follow(async (x, t) => {
        const out = await conditional.run({ ...condText, sample: new ort.Tensor('float32', x, [1, ...shape]), timestep: new ort.Tensor('float32', new Float32Array([t]), [1]) });
        return out['velocity']!.data as Float32Array;
      });
      await conditional.release();
      // A variant with the default graph's arithmetic meets the trajectory's tolerance. A dynamic-int8 one
      // meets its stated one-step tolerance per step taken: its rounding adds up along the trajectory
      // (measured on the built-in pack: 1.5e-3, 4.4e-3, 8.7e-3 after steps 1-3, against 0.008 per step).
      const stated = golden.variants?.['wasm']?.tolerance;
      const own = stated && stated.velocity > golden.tolerance.velocity;
      const tolerances = viaConditional.map((_, i) => (own ? stated.next_sample * (i + 1) : trajectory.tolerance));
      console.log(`golden trajectory through ${choice.file}: max error per step ${viaConditional.map((e) => e.toExponential(2)).join(', ')} (tolerances ${tolerances.join(', ')})`);
      viaConditional.forEach((e, i) => expect(e).toBeLessThanOrEqual(tolerances[i]!));
    }
    await denoiser.release();
  });

  // Only packs with variants (the built-in one) have this test; the fixture has none.
  if (golden.variants) it('each backend variant takes the same step within its stated tolerance', async () => {
    for (const [backend, want] of Object.entries(golden.variants ?? {})) {
      const chosen = chooseGraphs(manifest!, backend as 'wasm' | 'webgpu', true);
      if (want.conditionalDenoiser) {
        // The batch-1 conditional graph against PyTorch's conditional half at the golden step.
        const choice = chosen.conditionalDenoiser;
        expect(choice).toMatchObject({ file: want.conditionalDenoiser, variant: true });
        const externalData = choice!.externalData.map((path) => ({ path, data: read(path) }));
        const conditional = await ort.InferenceSession.create(read(choice!.file), { executionProviders: ['wasm'], externalData });
        const text = await encodeText();
        const condText = promptRow(text);
        const shape = golden.step.sample_shape;
        const out = await conditional.run({ ...condText, sample: new ort.Tensor('float32', floats(golden.step.sample), [1, ...shape]), timestep: new ort.Tensor('float32', new Float32Array([golden.step.t]), [1]) });
        await conditional.release();
        const velocity = out['velocity']!.data as Float32Array;
        const gold = floats(golden.conditional!.velocity);
        expect(out['velocity']!.dims).toEqual(golden.conditional!.velocity_shape);
        const figures = { velocityMax: maxAbsDiff(velocity, gold), velocityMean: meanAbsDiff(velocity, gold) };
        console.log(`golden conditional velocity, ${backend} variant ${choice!.file}: ${JSON.stringify(figures)}`);
        expect(figures.velocityMax).toBeLessThanOrEqual(want.tolerance.velocity);
        expect(figures.velocityMean).toBeLessThanOrEqual(want.tolerance.velocity_mean);
      }
      if (!want.denoiser) continue;
      // Chosen and loaded as the engine does: the variant file, its external data from the files it names.
      const choice = chosen.denoiser;
      expect(choice).toMatchObject({ file: want.denoiser, variant: true });
      const externalData = choice.externalData.map((path) => ({ path, data: read(path) }));
      const denoiser = await ort.InferenceSession.create(read(choice.file), { executionProviders: ['wasm'], externalData });
      const { velocity, next } = await goldenStep(denoiser);
      await denoiser.release();
      const gold = floats(golden.step.velocity);
      const figures = { velocityMax: maxAbsDiff(velocity, gold), velocityMean: meanAbsDiff(velocity, gold), nextMax: maxAbsDiff(next, floats(golden.step.next_sample)) };
      console.log(`golden step, ${backend} variant ${choice.file}: ${JSON.stringify(figures)}`);
      expect(figures.velocityMax).toBeLessThanOrEqual(want.tolerance.velocity);
      expect(figures.velocityMean).toBeLessThanOrEqual(want.tolerance.velocity_mean);
      expect(figures.nextMax).toBeLessThanOrEqual(want.tolerance.next_sample);
    }
  });
});

/** Row 0 of each batch-2 text state (the prompt's), the conditional graph's text; as workers/pipelines/dit-rectified-flow/pipeline.ts promptRow does for the engine. */
function promptRow(text: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
  return Object.fromEntries(Object.entries(text).map(([k, v]) => {
    const data = v.data as Float32Array;
    return [k, new ort.Tensor('float32', data.slice(0, data.length / 2), [1, ...v.dims.slice(1)])];
  }));
}
