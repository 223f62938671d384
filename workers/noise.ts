// Owns the seeded Gaussian noise of the model contract (mulberry32 +
// Box–Muller in float64, stored as float32). The Python exporter implements
// the same generator, and golden vectors check the two agree bit for bit.

const MULBERRY_STEP = 0x6d2b79f5;

/** mulberry32's output for a state: one top-level function, which V8 inlines into gaussianNoise's loop. */
function mulberryMix(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + MULBERRY_STEP) >>> 0;
    return mulberryMix(state);
  };
}

/** Fills `length` standard normal values for `seed`; z0 then z1 of each pair. */
export function gaussianNoise(seed: number, length: number): Float32Array {
  const out = new Float32Array(length);
  // The generator's state is stepped here, not through mulberry32's closures: a job calls this once,
  // and with the closures its first call in the engine worker ran 20-60 ms, 3-5x a second call right
  // after it, while V8 optimised the loop afresh (README, "Performance"). The same bits either way.
  let state = seed >>> 0;
  for (let i = 0; i < length; i += 2) {
    // (n + 0.5) / 2^32 is in (0, 1), so the log never sees 0.
    state = (state + MULBERRY_STEP) >>> 0;
    const u1 = (mulberryMix(state) + 0.5) / 4294967296;
    state = (state + MULBERRY_STEP) >>> 0;
    const u2 = (mulberryMix(state) + 0.5) / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    out[i] = r * Math.cos(angle);
    if (i + 1 < length) out[i + 1] = r * Math.sin(angle);
  }
  return out;
}
