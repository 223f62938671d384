#!/usr/bin/env node
// @ts-check
// Owns building the sampler's WebAssembly step kernel: workers/pipelines/dit-rectified-flow/step-kernel.wat
// -> workers/pipelines/dit-rectified-flow/step-kernel-wasm.ts (the module's bytes, base64, so that the
// engine worker and Vitest load it without a fetch). Run after editing the
// .wat; tests/unit/step-kernel.test.ts fails if the two disagree.
// Usage: node scripts/build-step-kernel.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import wabt from 'wabt';

export async function buildStepKernel() {
  const source = readFileSync(new URL('../workers/pipelines/dit-rectified-flow/step-kernel.wat', import.meta.url), 'utf8');
  const module = (await wabt()).parseWat('step-kernel.wat', source, { simd: true });
  const { buffer } = module.toBinary({});
  module.destroy();
  const base64 = Buffer.from(buffer).toString('base64');
  return `// Built by scripts/build-step-kernel.mjs from workers/pipelines/dit-rectified-flow/step-kernel.wat: do not edit.\nexport const STEP_KERNEL_WASM = '${base64}';\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const built = await buildStepKernel();
  const target = new URL('../workers/pipelines/dit-rectified-flow/step-kernel-wasm.ts', import.meta.url);
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== built) throw new Error('workers/pipelines/dit-rectified-flow/step-kernel-wasm.ts is stale: run node scripts/build-step-kernel.mjs');
    console.log('step kernel up to date');
  } else {
    writeFileSync(target, built);
    console.log(`wrote workers/pipelines/dit-rectified-flow/step-kernel-wasm.ts (${Buffer.from(built.split("'")[1] ?? '', 'base64').length} bytes of WebAssembly)`);
  }
}
