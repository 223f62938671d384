// Micro-benchmark of the upscaler under Node: the app's kernel
// (workers/upscale.ts) against the plain reference it must match byte for
// byte (tests/unit/upscale-reference.ts), on a clip's 16 frames of 64x64
// upscaled to 256x256, interleaved round by round so both see the same load.
// The TypeScript is transpiled with the typescript package into a temp dir.
//
//   node scripts/bench-upscale.mjs [--rounds 15] [--size 64] [--out 256] [--frames 16] [--variant other-upscale.ts]
//
// --variant: a third contestant, another version of workers/upscale.ts (a
// file beside it in the temp dir, so its `./frames` import resolves).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** @template {number | string} T @param {string} name @param {T} fallback @returns {T} */
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return /** @type {T} */ (i < 0 ? fallback : typeof fallback === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1]);
};
const variant = arg('variant', '');
const rounds = arg('rounds', 15);
const size = arg('size', 64);
const outSize = arg('out', 256);
const frames = arg('frames', 16);

const dir = join(tmpdir(), `zoetrope-bench-upscale-${process.pid}`);
/** @type {[string, string?][]} */
const sources = [['workers/frames.ts'], ['workers/upscale.ts'], ['tests/unit/upscale-reference.ts']];
if (variant) sources.push(['workers/variant.ts', variant]);
for (const [file, from = join(root, file)] of sources) {
  const js = ts.transpileModule(readFileSync(from, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText.replace(/from '(\.[^']+)'/g, "from '$1.mjs'");
  const out = join(dir, file.replace(/\.ts$/, '.mjs'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, js);
}
/** @param {string} file */
const load = (file) => import(pathToFileURL(join(dir, file)).href);
const { resizeFrames } = await load('workers/upscale.mjs');
const { referenceResizeFrames } = await load('tests/unit/upscale-reference.mjs');
const contestants = [['kernel', resizeFrames], ['reference', referenceResizeFrames]];
if (variant) contestants.push(['variant', (await load('workers/variant.mjs')).resizeFrames]);

// Real-looking frames: a soft gradient, a moving disc with an anti-aliased edge, a little noise.
let seed = 12345;
const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const rgba = new Uint8ClampedArray(frames * size * size * 4);
for (let f = 0; f < frames; f++) {
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = ((f * size + y) * size + x) * 4;
      const d = Math.hypot(x - size * (0.3 + 0.4 * (f / frames)), y - size / 2) - size / 5;
      const inside = Math.min(1, Math.max(0, 0.5 - d));
      rgba[o] = 40 + 150 * inside + 8 * random();
      rgba[o + 1] = 60 + (x * 120) / size * (1 - inside) + 8 * random();
      rgba[o + 2] = 200 * (1 - inside) + (y * 40) / size + 8 * random();
      rgba[o + 3] = 255;
    }
  }
}
const input = { rgba, frames, width: size, height: size };

const b = referenceResizeFrames(input, outSize, outSize).rgba;
for (const [name, fn] of contestants) {
  const a = fn(input, outSize, outSize).rgba;
  if (!(a.length === b.length && a.every((/** @type {number} */ v, /** @type {number} */ i) => v === b[i]))) throw new Error(`${name} and the reference differ`);
}

const times = Object.fromEntries(contestants.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, fn] of contestants) {
    const t = performance.now();
    fn(input, outSize, outSize);
    times[name].push(performance.now() - t);
  }
}
/** @param {number[]} xs */
const median = (xs) => /** @type {number} */ ([...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]);
const ref = median(times.reference.slice(2));
console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}; ${frames} frames ${size}x${size} -> ${outSize}x${outSize}, ${rounds} rounds (median of all but the first 2); bytes identical to the reference`);
for (const [name] of contestants) {
  const ms = median(times[name].slice(2));
  console.log(`${name.padEnd(9)} ${ms.toFixed(1)} ms, reference / ${name} ${(ref / ms).toFixed(2)}x`);
}
console.log(`(transpiled into ${relative(process.cwd(), dir) || dir})`);
