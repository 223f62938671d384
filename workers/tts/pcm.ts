// Owns turning espeak-ng's output into the worker's result: its 16-bit PCM
// pieces, as the synthesizer calls back with them, joined into one mono
// Float32Array at the engine's native rate (the mixer resamples), and the
// level of the result. Pure; no engine here.

/** Collects PCM pieces (the binding hands over copies, so they are kept as they are). */
export class PcmCollector {
  private pieces: Int16Array[] = [];
  private length = 0;

  push(piece: Int16Array | null): void {
    if (!piece || piece.length === 0) return;
    this.pieces.push(piece);
    this.length += piece.length;
  }

  get sampleCount(): number {
    return this.length;
  }

  /** The pieces in order, as floats in [-1, 1): sample / 32768, exactly, so the bytes are reproducible. */
  toFloat32(): Float32Array {
    const out = new Float32Array(this.length);
    let at = 0;
    for (const piece of this.pieces) {
      for (let i = 0; i < piece.length; i++) out[at + i] = (piece[i] ?? 0) / 32768;
      at += piece.length;
    }
    return out;
  }
}

/** Root-mean-square level of mono samples (0 for none). */
export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const v of samples) sum += v * v;
  return Math.sqrt(sum / samples.length);
}
