// Types for the part of @echogarden/espeak-ng-emscripten's Emscripten module
// that workers/tts/espeak-engine.ts uses (the package ships no types).

declare module '@echogarden/espeak-ng-emscripten' {
  export interface ESpeakNGWorker {
    /** A string, or a pointer to a NUL-terminated UTF-8 string on the heap (passed through as is). */
    set_voice(name: string | number): number;
    set_rate(wordsPerMinute: number): number;
    set_pitch(pitch: number): number;
    get_samplerate(): number;
    /** Calls back with 16-bit PCM pieces as it goes; a callback that returns non-zero stops it. */
    synthesize(text: string | number, callback: (samples: Int16Array | null, events: unknown[]) => number): number;
  }
  export interface ESpeakNGModule {
    eSpeakNGWorker: new () => ESpeakNGWorker;
    /** The heap; a new view after the heap grows. */
    HEAPU8: Uint8Array;
    _malloc(bytes: number): number;
  }
  export interface ESpeakNGOptions {
    /** Hands the file packager its data package instead of a fetch of espeak-ng.data. */
    getPreloadedPackage(name: string, size: number): ArrayBuffer;
    print?(text: string): void;
    printErr?(text: string): void;
  }
  const createESpeakNG: (options: ESpeakNGOptions) => Promise<ESpeakNGModule>;
  export default createESpeakNG;
}
