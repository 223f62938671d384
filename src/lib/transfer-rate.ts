// Owns the speed and time-left figures of a transfer (download, export,
// import): a rate over a sliding window of recent samples, so that a stall
// shows as a falling speed and a resumed transfer does not count the bytes
// it already had as if they had just arrived.

export interface TransferFigures {
  /** Bytes per second over the window; null until there is a rate. */
  bytesPerSecond: number | null;
  /** Seconds left at that rate; null while unknown. */
  etaSeconds: number | null;
}

interface Sample {
  at: number;
  bytes: number;
}

export class TransferRate {
  private samples: Sample[] = [];

  constructor(private readonly windowMs = 3000) {}

  /** Records that `bytes` (a running total) were done at time `at` (ms). */
  add(bytes: number, at: number): void {
    this.samples.push({ at, bytes });
    // Keep one sample older than the window, so the rate always spans it.
    while (this.samples.length > 2 && this.samples[1]!.at < at - this.windowMs) this.samples.shift();
  }

  reset(): void {
    this.samples = [];
  }

  figures(total: number): TransferFigures {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 200 || last.bytes <= first.bytes) {
      return { bytesPerSecond: null, etaSeconds: last && last.bytes >= total ? 0 : null };
    }
    const bytesPerSecond = ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
    return { bytesPerSecond, etaSeconds: Math.max(0, total - last.bytes) / bytesPerSecond };
  }
}
