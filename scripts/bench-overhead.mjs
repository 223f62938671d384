// @ts-check
// Owns the bench's breakdown of the pipeline overhead: everything in a warm
// job that is not inside ORT's session.run, split into the phases the engine
// times (GenerateTimings.phases, src/shared/engine-api.ts) and the two
// message trips the page measures (dispatchMs, deliveryMs). Per job first,
// then the median of each row over the warm jobs, so a row's median comes
// from jobs that saw the same load as the others.

/** @param {number[]} xs */
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/**
 * The rows of one job, in ms; `unaccounted` is what the rows do not explain
 * (near 0 when the worker's and the page's clocks agree).
 * @param {Record<string, any>} g a "generate" timing record
 * @returns {Record<string, number> | null}
 */
export function overheadOf(g) {
  const p = g.phases;
  if (!p) return null;
  const ort = g.textOrtMs + sum(g.stepOrtMs);
  const rows = {
    dispatch: g.dispatchMs,
    toLoop: p.toLoopMs - g.textOrtMs,
    stepOutsideOrt: p.stepOutsideOrtMs,
    checkpoint: p.checkpointMs,
    preview: p.previewMs,
    emit: p.emitMs,
    loopOther: p.loopMs - sum(g.stepMs) - p.checkpointMs - p.previewMs - p.emitMs,
    afterLoop: p.afterLoopMs,
    rgb: p.rgbMs,
    hash: p.hashMs,
    encoderStart: p.encoderStartMs,
    upscale: p.upscaleMs,
    encoderAdd: p.encoderAddMs,
    finalize: p.finalizeMs,
    workerOther: g.totalMs - p.toLoopMs - p.loopMs - p.afterLoopMs - g.framesMs - (p.encoderStartMs + p.upscaleMs + p.encoderAddMs + p.finalizeMs),
    delivery: g.deliveryMs,
  };
  const total = g.pageMs - ort;
  // encoderFirstFrame is part of encoderAdd and loopSetup of loopOther, so they stay out of the sum.
  // upscaleHelperFrames is a count of frames, not ms.
  return { ...rows, unaccounted: total - sum(Object.values(rows)), encoderFirstFrame: p.encoderFirstFrameMs ?? NaN, loopSetup: p.loopSetupMs ?? NaN, upscaleHelperFrames: p.upscaleHelperFrames ?? NaN, total, pageMs: g.pageMs };
}

/** @type {[string, string][]} */
const LABELS = [
  ['total', 'overhead: page time not inside ORT (share of warm)'],
  ['dispatch', '… page → worker: the generate call arriving'],
  ['toLoop', '… job start → denoising loop, outside ORT (checks, first yield, feeds)'],
  ['stepOutsideOrt', '… steps outside session.run, summed ([x; x], feeds, guidance, clean estimate)'],
  ['checkpoint', '… yields before each step, summed'],
  ['preview', '… preview pixels (sampleToRgba), summed'],
  ['emit', '… posting step events (previews cloned), summed'],
  ['loopOther', '… rest of the loop (noise, preview buffers)'],
  ['loopSetup', '… … of which before the first step (the seeded noise, the schedule)'],
  ['afterLoop', '… loop end → frames (final pixels, yield)'],
  ['rgb', '… RGBA → RGB'],
  ['hash', '… SHA-256 of the frames'],
  ['encoderStart', '… codec choice + MP4 output start'],
  ['upscale', '… Lanczos upscale, summed'],
  ['upscaleHelperFrames', '… … frames the helper worker upscaled in time (a count)'],
  ['encoderAdd', '… frames into the encoder, summed'],
  ['encoderFirstFrame', '… … of which the first frame (the encoder configured)'],
  ['finalize', '… encoder flush + MP4 finalize'],
  ['workerOther', '… rest in the worker (provenance, result)'],
  ['delivery', '… worker → page: the result arriving'],
  ['unaccounted', '… not explained by the rows above'],
];

/**
 * Median of each row over the warm jobs.
 * @param {Record<string, any>[]} warm @param {(xs: number[]) => number} median
 * @returns {Record<string, number> | null}
 */
export function overheadBreakdown(warm, median) {
  const rows = warm.map(overheadOf).filter((r) => r !== null);
  if (!rows.length) return null;
  return Object.fromEntries(Object.keys(rows[0] ?? {}).map((k) => [k, median(rows.map((r) => /** @type {number} */ (r[k])))]));
}

/**
 * Markdown rows for the report: ms per configuration, the total with its share.
 * @param {Record<string, any>} configs @param {string[]} cols
 * @returns {string[][]}
 */
export function overheadRows(configs, cols) {
  /** @param {number | undefined} x */
  const f = (x) => (x == null || !Number.isFinite(x) ? '—' : `${x.toFixed(1)} ms`);
  return LABELS.map(([key, label]) => [
    label,
    ...cols.map((k) => {
      const b = configs[k]?.overheadBreakdown;
      if (!b) return '—';
      if (key === 'upscaleHelperFrames') return Number.isFinite(b[key]) ? String(b[key]) : '—';
      return key === 'total' ? `${f(b.total)} (${((100 * b.total) / b.pageMs).toFixed(1)}%)` : f(b[key]);
    }),
  ]);
}
