// Owns changing the sample rate of mono audio, for the narration mix: a
// recording at 44.1 kHz, a file at 16 or 96 kHz, or espeak-ng's 22.05 kHz
// speech all become NARRATION_RATE. Windowed-sinc (band-limited)
// interpolation with a Kaiser window, because plain linear interpolation
// leaves images of the speech above the old Nyquist frequency when
// upsampling (a faint hiss over 11 kHz for 22.05 kHz TTS) and aliases when
// downsampling. The low-pass cut-off follows the lower of the two rates, so
// downsampling filters out what the new rate cannot hold. Pure, no DOM.

/** Zero crossings of the sinc on each side of a tap: 16 gives a stopband near −80 dB with the Kaiser window below. */
const ZERO_CROSSINGS = 16;
/** Kaiser β: the trade between the width of the transition band and the stopband depth. */
const KAISER_BETA = 8;
/** Points of the tabulated kernel per zero crossing; taps between them are linearly interpolated. */
const TABLE_RESOLUTION = 512;
/** The cut-off sits a little under the lower Nyquist frequency, so the transition band ends at it rather than past it. */
const CUTOFF_MARGIN = 0.94;

/** Modified Bessel function of the first kind, order 0 (series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

let table: Float64Array | null = null;

/** sinc(u)·kaiser(u / ZERO_CROSSINGS) for u in [0, ZERO_CROSSINGS], in steps of 1/TABLE_RESOLUTION. */
function kernelTable(): Float64Array {
  if (table) return table;
  const n = ZERO_CROSSINGS * TABLE_RESOLUTION + 2;
  const t = new Float64Array(n);
  const norm = besselI0(KAISER_BETA);
  for (let i = 0; i < n; i++) {
    const u = i / TABLE_RESOLUTION;
    if (u >= ZERO_CROSSINGS) continue;
    const r = u / ZERO_CROSSINGS;
    const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
    t[i] = (sinc * besselI0(KAISER_BETA * Math.sqrt(1 - r * r))) / norm;
  }
  table = t;
  return t;
}

/** The kernel's weight at `distance` input samples, for cut-off `fc` (linear between table points). */
function weightAt(k: Float64Array, distance: number, fc: number): number {
  const pos = Math.abs(distance) * fc * TABLE_RESOLUTION;
  const i = Math.floor(pos);
  const a = k[i] ?? 0;
  return a + ((k[i + 1] ?? 0) - a) * (pos - i);
}

/** One output sample at input time `t`, weights normalised over the taps that exist (so edges keep their level). */
function sampleAt(input: Float32Array, t: number, fc: number, half: number, k: Float64Array): number {
  const lo = Math.max(0, Math.ceil(t - half));
  const hi = Math.min(input.length - 1, Math.floor(t + half));
  let acc = 0;
  let weights = 0;
  for (let j = lo; j <= hi; j++) {
    const w = weightAt(k, j - t, fc);
    acc += (input[j] ?? 0) * w;
    weights += w;
  }
  return weights > 1e-9 ? acc / weights : 0;
}

/** Most filter phases precomputed: whole-number rates whose ratio reduces to at most this many output phases. */
const MAX_PHASES = 4096;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * `input` at `fromRate` as samples at `toRate`: output sample n sits at
 * input time n·fromRate/toRate. Each tap is weighted by the kernel and the
 * weights are normalised per output sample, so a constant stays constant to
 * the last sample, edges included (where the kernel runs past the input).
 * For the usual rates (22.05, 44.1, 16, 96 kHz → 48 kHz) the ratio reduces
 * to a few hundred phases, whose weights are computed once (polyphase):
 * about twice as fast as weighing every tap, the same output to float precision.
 */
export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (!(fromRate > 0) || !(toRate > 0)) throw new RangeError(`resample: rates must be positive, got ${fromRate} → ${toRate}`);
  if (fromRate === toRate) return input.slice();
  const outLength = Math.round((input.length * toRate) / fromRate);
  const out = new Float32Array(outLength);
  if (input.length === 0) return out;
  const k = kernelTable();
  const ratio = fromRate / toRate;
  // Cut-off as a fraction of the input's Nyquist frequency: 1 when upsampling, toRate/fromRate when downsampling.
  const fc = Math.min(1, 1 / ratio) * CUTOFF_MARGIN;
  // The kernel's half-width in input samples.
  const half = ZERO_CROSSINGS / fc;
  const whole = Number.isInteger(fromRate) && Number.isInteger(toRate);
  const g = whole ? gcd(fromRate, toRate) : 1;
  const phases = toRate / g;
  if (!whole || phases > MAX_PHASES) {
    for (let n = 0; n < outLength; n++) out[n] = sampleAt(input, n * ratio, fc, half, k);
    return out;
  }
  // Output n is input sample floor(n·M / L) plus phase (n·M mod L) / L, with M/L the reduced ratio.
  const step = fromRate / g;
  const taps = 2 * Math.ceil(half) + 1;
  const first = new Int32Array(phases);
  const bank = new Float64Array(phases * taps);
  for (let p = 0; p < phases; p++) {
    const frac = p / phases;
    const lo = Math.ceil(frac - half);
    first[p] = lo;
    let sum = 0;
    for (let i = 0; i < taps; i++) sum += bank[p * taps + i] = lo + i <= frac + half ? weightAt(k, lo + i - frac, fc) : 0;
    for (let i = 0; i < taps; i++) bank[p * taps + i] = (bank[p * taps + i] ?? 0) / sum;
  }
  const last = input.length - 1;
  for (let n = 0; n < outLength; n++) {
    const base = Math.floor((n * step) / phases);
    const p = n * step - base * phases;
    const j0 = base + (first[p] ?? 0);
    if (j0 < 0 || j0 + taps - 1 > last) {
      // Near an edge the kernel runs past the input: weigh only the taps that exist.
      out[n] = sampleAt(input, n * ratio, fc, half, k);
      continue;
    }
    let acc = 0;
    const row = p * taps;
    for (let i = 0; i < taps; i++) acc += (input[j0 + i] ?? 0) * (bank[row + i] ?? 0);
    out[n] = acc;
  }
  return out;
}
