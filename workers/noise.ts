// Owns the seeded Gaussian noise of the model contract (mulberry32 +
// Box–Muller in float64, stored as float32). The Python exporter implements
// the same generator, and golden vectors check the two agree bit for bit.

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Fills `length` standard normal values for `seed`; z0 then z1 of each pair. */
export function gaussianNoise(seed: number, length: number): Float32Array {
  const next = mulberry32(seed);
  // (n + 0.5) / 2^32 is in (0, 1), so the log never sees 0.
  const uniform = () => (next() + 0.5) / 4294967296;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i += 2) {
    const u1 = uniform();
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    out[i] = r * Math.cos(angle);
    if (i + 1 < length) out[i + 1] = r * Math.sin(angle);
  }
  return out;
}
