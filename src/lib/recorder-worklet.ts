// Owns the audio thread's side of recording: an AudioWorkletProcessor that
// mixes the microphone's channels to mono and hands the raw Float32 samples
// to the page in chunks of about 40 ms, each with its peak and RMS for the
// level meter. Raw samples, not MediaRecorder: MediaRecorder gives a
// compressed file (Opus in WebM, or AAC in MP4 on Safari) that would have to
// be decoded again, with codec delay and padding at its ends, before it
// could be trimmed and mixed.
//
// Loaded by mic-recorder.ts through Vite's `?worker&url`, so the build
// bundles it as a file of our own origin (the CSP's script-src 'self' covers
// audioWorklet.addModule; a blob: module would be refused). It must import
// nothing the audio thread lacks: no DOM, no `self.location`.

// The AudioWorkletGlobalScope's names, which TypeScript's DOM library does not declare.
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;
declare const sampleRate: number;

/**
 * The processor's registered name. A type, so that mic-recorder.ts can check
 * its copy of the string against it with `import type`: importing a value from
 * here would pull this module, and its registerProcessor call, into the page.
 */
export type RecorderProcessorName = 'zoetrope-recorder';
const RECORDER_PROCESSOR: RecorderProcessorName = 'zoetrope-recorder';

/** Messages the processor sends to the page. */
export type RecorderMessage =
  | { type: 'chunk'; samples: Float32Array; peak: number; rms: number }
  | { type: 'stopped' };

/** The one message the page sends: flush what is left and stop. */
export interface RecorderCommand {
  type: 'stop';
}

class RecorderProcessor extends AudioWorkletProcessor {
  // About 40 ms a chunk: the meter moves smoothly, and messages stay few (25 a second).
  private readonly chunkFrames = Math.max(128, Math.round(sampleRate * 0.04));
  private buffer = new Float32Array(this.chunkFrames);
  private filled = 0;
  private stopped = false;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<RecorderCommand>) => {
      if (event.data.type !== 'stop' || this.stopped) return;
      this.stopped = true;
      this.flush();
      this.port.postMessage({ type: 'stopped' } satisfies RecorderMessage);
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.stopped) return false;
    const channels = inputs[0] ?? [];
    const first = channels[0];
    // No channels yet: the source is not connected or has not started; keep the node alive.
    if (!first) return true;
    const scale = 1 / channels.length;
    for (let i = 0; i < first.length; i++) {
      let sum = 0;
      for (const channel of channels) sum += channel[i] ?? 0;
      this.buffer[this.filled++] = sum * scale;
      if (this.filled === this.chunkFrames) this.flush();
    }
    return true;
  }

  private flush(): void {
    if (this.filled === 0) return;
    const samples = this.buffer.slice(0, this.filled);
    let peak = 0;
    let sum = 0;
    for (let i = 0; i < samples.length; i++) {
      const v = samples[i]!;
      peak = Math.max(peak, Math.abs(v));
      sum += v * v;
    }
    const message: RecorderMessage = { type: 'chunk', samples, peak, rms: Math.sqrt(sum / samples.length) };
    // Transferred, not copied: the audio thread keeps no reference to it.
    this.port.postMessage(message, [samples.buffer]);
    this.filled = 0;
  }
}

registerProcessor(RECORDER_PROCESSOR, RecorderProcessor);
