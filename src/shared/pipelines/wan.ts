// Owns the manifest rules of pipeline kind "wan" (models/wan/CONTRACT.md): a
// Wan 2.1 T2V DiT predicting flow velocity on a latent [16, F, H/8, W/8],
// umT5's encoder with its token table kept outside the graph (`embeddings`,
// rows split over several files, float32, float16 or int8 with per-row
// scales), the TAEW2.1 decoder run one latent frame a call with its MemBlock
// memories fed back (`decoder.state`), and the rCM few-step sampler without
// guidance. Every error names the field, so a converter's mistake is found
// before download.

import { fail, int, literal, num, obj, shapeOf, str, type Obj } from '../manifest-fields';
import { validateGraphRef } from '../graph-variants';
import type { GraphRef, ManifestCommon, PipelineContract, TokenizerSpec } from './types';

/** Wan 2.1's VAE latent: 16 channels, 8 times smaller than the picture; the DiT's patch is 2 × 2. */
export const WAN_LATENT_CHANNELS = 16;
export const WAN_VAE_FACTOR = 8;
export const WAN_PATCH = 2;
export const EMBEDDING_DTYPES = ['float32', 'float16', 'int8'] as const;
export type EmbeddingDtype = (typeof EMBEDDING_DTYPES)[number];
export const EMBEDDING_BYTES: Record<EmbeddingDtype, number> = { float32: 4, float16: 2, int8: 1 };
/** umT5-XXL's table is 256384 rows: split at 256 MiB that is 16 files of float32; room to spare. */
export const MAX_EMBEDDING_FILES = 64;
/** TAEW2.1 has a handful of MemBlocks; a hostile manifest must not ask for thousands of state tensors. */
export const MAX_DECODER_STATE = 64;
/** The names the decoder graph's own input and output have (CONTRACT.md); a state tensor may not reuse them. */
const DECODER_IO = ['latent', 'image'];

export interface DecoderState {
  /** The decoder input that takes this memory (zeros at the first call). */
  input: string;
  /** The decoder output that gives it back for the next call. */
  output: string;
  shape: number[];
}

export type WanFields = {
  sample: { shape: [number, number, number, number] };
  scheduler: {
    kind: 'rcm';
    /** TrigFlow starts at atan(sigmaMax). */
    sigmaMax: number;
    /** The TrigFlow times between the start and 0, decreasing; s steps use midT[0 : s − 1]. */
    midT: number[];
    steps: number[];
    defaultSteps: number;
    /** No classifier-free guidance in this kind. */
    defaultGuidance: 0;
  };
  /** umT5 ends the prompt with eos (no bos). */
  tokenizer: TokenizerSpec & { eosId: number };
  embeddings: { files: string[]; dtype: EmbeddingDtype; scales?: string; rows: number; dim: number };
  decoder: { framesPerLatent: number; trimFrames: number; state: DecoderState[] };
  graphs: { textEncoder: GraphRef; denoiser: GraphRef; decoder: GraphRef };
};

function graphRef(g: Obj, key: string, paths: ReadonlySet<string>): GraphRef {
  return validateGraphRef(g[key], `graphs.${key}`, paths, true) as GraphRef;
}

function validateScheduler(value: unknown): WanFields['scheduler'] {
  const s = obj(value, 'scheduler');
  literal(s, 'kind', 'scheduler.kind', ['rcm'] as const);
  const sigmaMax = num(s, 'sigmaMax', 'scheduler.sigmaMax', 0, 1e6, true);
  const start = Math.atan(sigmaMax);
  const midRaw = s['midT'];
  const midExpected = `an array of at most 63 numbers, decreasing, each above 0 and below atan(scheduler.sigmaMax) = ${start.toFixed(6)}`;
  if (!Array.isArray(midRaw) || midRaw.length > 63) fail('scheduler.midT', midExpected, midRaw);
  const midT = midRaw.map((t, i) => {
    const limit = i === 0 ? start : (midRaw[i - 1] as number);
    const v = num({ t }, 't', `scheduler.midT[${i}]`, 0, limit, true);
    // TrigFlow time runs down from atan(sigmaMax) to 0: each time strictly below the one before.
    if (v >= limit) fail(`scheduler.midT[${i}]`, `a number below ${i === 0 ? 'atan(scheduler.sigmaMax)' : `scheduler.midT[${i - 1}]`} (${limit})`, v);
    return v;
  });
  const most = midT.length + 1;
  const stepsExpected = `a non-empty array of different integers from 1 to ${most} (scheduler.midT has ${midT.length} times between)`;
  const stepsRaw = s['steps'];
  if (!Array.isArray(stepsRaw) || stepsRaw.length === 0 || stepsRaw.length > most) fail('scheduler.steps', stepsExpected, stepsRaw);
  const steps = stepsRaw.map((n, i) => int({ n }, 'n', `scheduler.steps[${i}]`, 1, most));
  if (new Set(steps).size !== steps.length) fail('scheduler.steps', stepsExpected, stepsRaw);
  const defaultSteps = int(s, 'defaultSteps', 'scheduler.defaultSteps', 1, most);
  if (!steps.includes(defaultSteps)) fail('scheduler.defaultSteps', `one of scheduler.steps (${steps.join(', ')})`, defaultSteps);
  if (s['defaultGuidance'] !== 0) fail('scheduler.defaultGuidance', '0 (the wan kind samples rCM without classifier-free guidance)', s['defaultGuidance']);
  return { kind: 'rcm', sigmaMax, midT, steps, defaultSteps, defaultGuidance: 0 };
}

/** A listed pack file that is not the tokenizer; `field` names it in the error. */
function packFile(value: unknown, field: string, paths: ReadonlySet<string>, tokenizerFile: string): string {
  if (typeof value !== 'string' || !paths.has(value) || value === tokenizerFile) fail(field, 'the path of a file listed in files (not the tokenizer)', value);
  return value;
}

function validateEmbeddings(value: unknown, common: ManifestCommon, paths: ReadonlySet<string>): WanFields['embeddings'] {
  const e = obj(value, 'embeddings');
  const dtype = literal(e, 'dtype', 'embeddings.dtype', EMBEDDING_DTYPES);
  const rows = int(e, 'rows', 'embeddings.rows', 1, 16_777_216);
  const dim = int(e, 'dim', 'embeddings.dim', 1, 65_536);
  const filesRaw = e['files'];
  if (!Array.isArray(filesRaw) || filesRaw.length === 0 || filesRaw.length > MAX_EMBEDDING_FILES) {
    fail('embeddings.files', `a non-empty array of at most ${MAX_EMBEDDING_FILES} file paths`, filesRaw);
  }
  const files = filesRaw.map((p, i) => packFile(p, `embeddings.files[${i}]`, paths, common.tokenizer.file));
  if (new Set(files).size !== files.length) fail('embeddings.files', 'no path twice', filesRaw);
  const rowBytes = dim * EMBEDDING_BYTES[dtype];
  const sizes = new Map(common.files.map((f) => [f.path, f.size]));
  let total = 0;
  files.forEach((path, i) => {
    const size = sizes.get(path)!;
    // Rows are split into files of whole rows, so a row never straddles two files.
    if (size % rowBytes !== 0) fail(`embeddings.files[${i}]`, `a file of whole rows (a multiple of ${rowBytes} bytes: dim ${dim} × ${EMBEDDING_BYTES[dtype]} bytes of ${dtype})`, `${size} bytes`);
    total += size;
  });
  if (total !== rows * rowBytes) fail('embeddings.files', `files of ${rows * rowBytes} bytes in all (rows ${rows} × dim ${dim} × ${EMBEDDING_BYTES[dtype]} bytes of ${dtype})`, `${total} bytes`);
  const out: WanFields['embeddings'] = { files, dtype, rows, dim };
  if (dtype === 'int8') {
    const scales = packFile(e['scales'], 'embeddings.scales', paths, common.tokenizer.file);
    if (files.includes(scales)) fail('embeddings.scales', 'a file that is not one of embeddings.files', scales);
    const size = sizes.get(scales)!;
    if (size !== rows * 4) fail('embeddings.scales', `a file of ${rows * 4} bytes (float32 × rows ${rows})`, `${size} bytes`);
    out.scales = scales;
  } else if (e['scales'] !== undefined) {
    fail('embeddings.scales', `nothing (scales are for int8 rows; dtype is ${dtype})`, e['scales']);
  }
  // The ids the engine itself writes must be rows of the table.
  for (const key of ['padId', 'unkId', 'eosId'] as const) {
    const id = common.tokenizer[key];
    if (id !== undefined && id >= rows) fail(`tokenizer.${key}`, `an id below embeddings.rows (${rows})`, id);
  }
  return out;
}

function validateDecoder(value: unknown, latentFrames: number, videoFrames: number): WanFields['decoder'] {
  const d = obj(value, 'decoder');
  const framesPerLatent = int(d, 'framesPerLatent', 'decoder.framesPerLatent', 1, 64);
  const trimFrames = int(d, 'trimFrames', 'decoder.trimFrames', 0, framesPerLatent * latentFrames - 1);
  const want = framesPerLatent * latentFrames - trimFrames;
  if (videoFrames !== want) fail('video.frames', `decoder.framesPerLatent × sample.shape[1] − decoder.trimFrames (${framesPerLatent} × ${latentFrames} − ${trimFrames} = ${want})`, videoFrames);
  const stateRaw = d['state'];
  if (!Array.isArray(stateRaw) || stateRaw.length > MAX_DECODER_STATE) fail('decoder.state', `an array of at most ${MAX_DECODER_STATE} entries`, stateRaw);
  const names = new Set<string>();
  const state = stateRaw.map((raw, i) => {
    const field = `decoder.state[${i}]`;
    const o = obj(raw, field);
    const entry = { input: str(o, 'input', `${field}.input`), output: str(o, 'output', `${field}.output`), shape: [] as number[] };
    for (const key of ['input', 'output'] as const) {
      // Inputs and outputs are told apart by the graph, but one name for two roles is a converter's slip.
      if (DECODER_IO.includes(entry[key]) || names.has(entry[key])) fail(`${field}.${key}`, `a name not used by another state tensor, nor "latent" or "image"`, entry[key]);
      names.add(entry[key]);
    }
    const shapeRaw = o['shape'];
    if (!Array.isArray(shapeRaw) || shapeRaw.length === 0 || shapeRaw.length > 6) fail(`${field}.shape`, 'an array of 1 to 6 integers', shapeRaw);
    entry.shape = shapeRaw.map((n, j) => int({ n }, 'n', `${field}.shape[${j}]`, 1, 65_536));
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (size > 268_435_456) fail(`${field}.shape`, 'at most 2^28 values', entry.shape);
    return entry;
  });
  return { framesPerLatent, trimFrames, state };
}

export const wan: PipelineContract<'wan', WanFields> = {
  id: 'wan',
  // Smaller graphs for one backend (fp16 for a GPU with shader-f16, int8 for WASM) may replace any of the three.
  variantRoles: ['textEncoder', 'denoiser', 'decoder'],

  validate(m, { common, paths }) {
    const { video, tokenizer } = common;
    const shape = shapeOf(obj(m['sample'], 'sample'), 4, 'an array of 4 integers [16, latent frames, height / 8, width / 8]') as [number, number, number, number];
    if (shape[0] !== WAN_LATENT_CHANNELS) fail('sample.shape[0]', `${WAN_LATENT_CHANNELS} (Wan's latent channels)`, shape[0]);
    if (video.height % WAN_VAE_FACTOR !== 0) fail('video.height', `a multiple of ${WAN_VAE_FACTOR}`, video.height);
    if (video.width % WAN_VAE_FACTOR !== 0) fail('video.width', `a multiple of ${WAN_VAE_FACTOR}`, video.width);
    if (shape[2] !== video.height / WAN_VAE_FACTOR) fail('sample.shape[2]', `video.height / ${WAN_VAE_FACTOR} (${video.height / WAN_VAE_FACTOR})`, shape[2]);
    if (shape[3] !== video.width / WAN_VAE_FACTOR) fail('sample.shape[3]', `video.width / ${WAN_VAE_FACTOR} (${video.width / WAN_VAE_FACTOR})`, shape[3]);
    // The DiT cuts the latent into 2 × 2 patches.
    if (shape[2] % WAN_PATCH !== 0) fail('sample.shape[2]', `an even number (the DiT's patches are ${WAN_PATCH} × ${WAN_PATCH}; video.height a multiple of 16)`, shape[2]);
    if (shape[3] % WAN_PATCH !== 0) fail('sample.shape[3]', `an even number (the DiT's patches are ${WAN_PATCH} × ${WAN_PATCH}; video.width a multiple of 16)`, shape[3]);

    const scheduler = validateScheduler(m['scheduler']);
    const decoder = validateDecoder(m['decoder'], shape[1], video.frames);
    if (tokenizer.eosId === undefined) fail('tokenizer.eosId', "an integer (umT5's end-of-text id)", undefined);
    if (tokenizer.maxLength < 2) fail('tokenizer.maxLength', 'an integer from 2 (one token, eos)', tokenizer.maxLength);
    const embeddings = validateEmbeddings(m['embeddings'], common, paths);

    const g = obj(m['graphs'], 'graphs');
    const graphs = { textEncoder: graphRef(g, 'textEncoder', paths), denoiser: graphRef(g, 'denoiser', paths), decoder: graphRef(g, 'decoder', paths) };
    return { sample: { shape }, scheduler, tokenizer: { ...tokenizer, eosId: tokenizer.eosId }, embeddings, decoder, graphs };
  },

  capabilities(manifest) {
    return {
      // umT5's SentencePiece Unigram takes any text; eos takes one of maxLength places. Case is kept.
      prompt: 'free',
      lowercase: false,
      maxTokens: manifest.tokenizer.maxLength - 1,
      steps: { choices: [...manifest.scheduler.steps].sort((a, b) => a - b) },
      guidance: false,
      defaultSteps: manifest.scheduler.defaultSteps,
      defaultGuidance: 0,
    };
  },
};
