// Owns the GPU-resident denoising loop of the WebGPU backend: the latents
// live in a GPUBuffer shaped as the denoiser's batch-2 input [x; x], the
// denoiser writes its velocity into another GPUBuffer (ORT I/O binding), and
// a small WGSL kernel does classifier-free guidance and the sampler's step in
// place, writing x_next into both batch rows for the next call. Nothing goes
// back to the CPU between steps; only previews and the final sample are read.
// The maths is that of scheduler.ts (guidedStep): the clean estimate buffer
// is also the multistep sampler's memory of the previous x0. An unguided
// step (outside the pack's guidance interval) still runs the batch-2 graph
// here and takes its conditional row: on a GPU the second row costs little,
// and the latents stay put.

import type { Stepper } from './denoise-loop';
import type { FeedTensor, GpuFeed, ModelSession } from '../../ort-runtime';

const KERNEL = /* wgsl */ `
struct Params { n: u32, guidance: f32, t: f32, dt: f32, c: f32, guided: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> sample: array<f32>;   // [x; x], 2n
@group(0) @binding(2) var<storage, read> velocity: array<f32>;       // [v_cond; v_uncond], 2n
@group(0) @binding(3) var<storage, read_write> clean: array<f32>;    // x0 at the previous step in, x0 at t out; n
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * 256u;
  if (i >= p.n) { return; }
  let vu = velocity[p.n + i];
  // Unguided: the conditional velocity itself (scheduler.ts unguidedStep), not vu + 1 * (vc - vu).
  var v = velocity[i];
  if (p.guided != 0u) { v = vu + p.guidance * (velocity[i] - vu); }
  let x = sample[i];
  let x0 = x - p.t * v;
  var next = x + p.dt * v;
  // c = 0 (Euler, and the first-order steps) keeps the plain Euler update.
  if (p.c != 0.0) { next = next + p.c * (x0 - clean[i]); }
  clean[i] = x0;
  sample[i] = next;
  sample[p.n + i] = next;
}`;

const WORKGROUP = 256;
const MAX_GROUPS_X = 65535;

/**
 * `feeds` builds the denoiser's other inputs (timestep, text) for time t;
 * `sampleName`/`outputName` are the denoiser's latent input and velocity output.
 */
export function gpuStepper(
  denoiser: ModelSession,
  dims: readonly number[],
  sampleName: string,
  outputName: string,
  feeds: (t: number) => Record<string, FeedTensor>,
): Stepper {
  const device = denoiser.device;
  if (!device) throw new Error('gpuStepper needs the WebGPU backend');
  const n = dims.slice(1).reduce((a, b) => a * b, 1);
  const bytes = 2 * n * 4;
  const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const sample = device.createBuffer({ size: bytes, usage: storage });
  const velocity = device.createBuffer({ size: bytes, usage: storage });
  const clean = device.createBuffer({ size: bytes / 2, usage: storage });
  // 6 scalars, padded to the 16-byte multiple a uniform struct's size rounds up to.
  const params = device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: KERNEL }), entryPoint: 'main' } });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [sample, velocity, clean].reduce<GPUBindGroupEntry[]>((e, buffer, k) => [...e, { binding: k + 1, resource: { buffer } }], [{ binding: 0, resource: { buffer: params } }]),
  });
  const groups = Math.ceil(n / WORKGROUP);
  const gx = Math.min(groups, MAX_GROUPS_X);
  const gy = Math.ceil(groups / gx);
  const sampleFeed: GpuFeed = { type: 'float32', gpuBuffer: sample, dims };
  const velocityFeed: GpuFeed = { type: 'float32', gpuBuffer: velocity, dims };

  async function read(buffer: GPUBuffer, into: Float32Array): Promise<void> {
    const staging = device!.createBuffer({ size: into.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = device!.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, into.byteLength);
    device!.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    into.set(new Float32Array(staging.getMappedRange()));
    staging.unmap();
    staging.destroy();
  }

  return {
    async start(initial) {
      device.queue.writeBuffer(sample, 0, initial);
      device.queue.writeBuffer(sample, n * 4, initial);
      device.queue.writeBuffer(clean, 0, new Float32Array(n));
    },
    async step(t, tNext, guidance, correction, preview) {
      await denoiser.runOnGpu({ ...feeds(t), [sampleName]: sampleFeed }, { name: outputName, gpu: velocityFeed });
      const p = new ArrayBuffer(32);
      new Uint32Array(p, 0, 1)[0] = n;
      new Float32Array(p, 4, 4).set([guidance ?? 1, t, tNext - t, correction]);
      new Uint32Array(p, 20, 1)[0] = guidance === null ? 0 : 1;
      device.queue.writeBuffer(params, 0, p);
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(gx, gy);
      pass.end();
      device.queue.submit([encoder.finish()]);
      if (preview) await read(clean, preview);
    },
    async finish() {
      const out = new Float32Array(n);
      await read(sample, out);
      return out;
    },
    release() {
      for (const buffer of [sample, velocity, clean, params]) buffer.destroy();
    },
  };
}
