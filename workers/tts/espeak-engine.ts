// Owns running espeak-ng: one Emscripten instance for the worker's life, fed
// the voice data the page stored (never a fetch), whose whole memory is put
// back to the state it had just after start-up before every utterance.
// That reset is what makes speech reproducible: left alone, one instance
// carries state from one utterance to the next (measured: the same sentence
// four times in a row gave four different sample streams, 60,482–60,708
// samples long), while a reset instance gives exactly the bytes of a fresh
// one, in any order of voices (the unit test checks it). A fresh instance per
// utterance would do too, but the package is a wasm2js build (plain
// JavaScript), so each new instance starts cold in the JS engine: in Chromium
// that took 5 s for a 3.7 s caption (RTF 1.4).
// The strings go in by pointer, written into the reset heap: the binding's
// own string path keeps a buffer it allocated on the heap in JavaScript, and
// after a reset that buffer is free space that espeak-ng overwrites. Restoring
// the 17 MB heap is one typed-array copy; the read-only data files point into
// the one stored buffer instead of a copy.

/// <reference path="./espeak-ng.d.ts" />
import createESpeakNG, { type ESpeakNGModule, type ESpeakNGWorker } from '@echogarden/espeak-ng-emscripten';
import { ZoetropeError } from '../../src/shared/errors';
import { PcmCollector } from './pcm';

export interface Utterance {
  samples: Float32Array;
  sampleRate: number;
}

/** The stored bytes as the whole ArrayBuffer the file packager wants (no copy when they already are). */
export function wholeBuffer(bytes: Uint8Array): ArrayBuffer {
  const { buffer } = bytes;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) return buffer;
  return bytes.slice().buffer as ArrayBuffer;
}

/** A macrotask boundary, so that a cancel message sent meanwhile is delivered before the next step. */
const yieldToEvents = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class EspeakEngine {
  private constructor(
    private readonly module: ESpeakNGModule,
    private readonly engine: ESpeakNGWorker,
    private readonly pristine: Uint8Array,
  ) {}

  /** Starts espeak-ng on the stored voice data and keeps a copy of its memory as it is then. */
  static async start(data: ArrayBuffer): Promise<EspeakEngine> {
    const module = await createESpeakNG({
      getPreloadedPackage: (_name, size) => {
        if (size !== data.byteLength) throw new ZoetropeError('IntegrityError', `The stored voice data has ${data.byteLength} bytes; the engine expects ${size}.`, { size: data.byteLength, expected: size });
        return data;
      },
      // espeak-ng writes its warnings to stderr; failures come back as status codes.
      print: () => {},
      printErr: () => {},
    });
    const engine = new module.eSpeakNGWorker(); // espeak_Initialize: loads the phoneme tables.
    return new EspeakEngine(module, engine, module.HEAPU8.slice());
  }

  private reset(): void {
    // Read HEAPU8 each time: a grown heap is a new buffer. Beyond the copy, a fresh instance has zeros.
    const heap = this.module.HEAPU8;
    heap.set(this.pristine);
    if (heap.length > this.pristine.length) heap.fill(0, this.pristine.length);
  }

  /** A NUL-terminated UTF-8 copy of `text` on the (just reset) heap; the next reset frees it. */
  private cString(text: string): number {
    const bytes = new TextEncoder().encode(text);
    const ptr = this.module._malloc(bytes.length + 1);
    if (ptr === 0) throw new ZoetropeError('OutOfMemoryError', 'espeak-ng has no memory left for the text.', { bytes: bytes.length });
    const heap = this.module.HEAPU8;
    heap.set(bytes, ptr);
    heap[ptr + bytes.length] = 0;
    return ptr;
  }

  /** Speaks `text` with `voice`; `checkpoint` throws to stop, and is called between the steps. */
  async speak(text: string, voice: string, checkpoint: () => void): Promise<Utterance> {
    checkpoint();
    this.reset();
    const status = this.engine.set_voice(this.cString(voice));
    if (status !== 0) throw new ZoetropeError('BackendError', `espeak-ng has no voice "${voice}" (status ${status}).`, { voice, status });
    await yieldToEvents();
    checkpoint();
    const pcm = new PcmCollector();
    this.engine.synthesize(this.cString(text), (samples) => {
      pcm.push(samples);
      return 0;
    });
    return { samples: pcm.toFloat32(), sampleRate: this.engine.get_samplerate() };
  }
}
