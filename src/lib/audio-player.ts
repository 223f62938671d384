// Owns playing a stored narration back in the editor: the mono samples at
// their own rate, at the scene's volume, through a short-lived AudioContext
// that is closed when playback ends or is stopped (a context left open keeps
// the audio device busy and, on some systems, the speakers awake). Playing
// again stops the one before, so two takes never sound over each other.

export class AudioPlayer {
  private context: AudioContext | null = null;
  private readonly onended: () => void;

  /** `onended` runs once per play, when it ends on its own or is stopped. */
  constructor(onended: () => void) {
    this.onended = onended;
  }

  get active(): boolean {
    return this.context !== null;
  }

  play(samples: Float32Array, sampleRate: number, volume: number): void {
    this.stop();
    // The context runs at the samples' own rate, so the browser does no resampling of its own.
    const context = new AudioContext({ sampleRate });
    this.context = context;
    const buffer = context.createBuffer(1, Math.max(1, samples.length), sampleRate);
    buffer.copyToChannel(samples.slice(), 0);
    const source = context.createBufferSource();
    source.buffer = buffer;
    const gain = context.createGain();
    gain.gain.value = volume;
    source.connect(gain).connect(context.destination);
    source.onended = () => {
      if (this.context === context) this.stop();
    };
    source.start();
  }

  stop(): void {
    const context = this.context;
    if (!context) return;
    this.context = null;
    void context.close().catch(() => undefined);
    this.onended();
  }
}
