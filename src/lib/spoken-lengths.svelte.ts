// Owns knowing how long each spoken (TTS) scene's voice is while the lesson
// is edited, so the editor can show "Voice 2.1 s · Scene 4.0 s", warn before
// a voice is cut, and fit a scene to its voice. It speaks each caption in the
// TTS worker (a few tens of milliseconds each) once the voice data is on the
// device; it never starts that download itself, so opening a lesson costs no
// network. Lengths are cached by voice and text, as speech is deterministic.

import type { Scene } from '../shared/lesson';
import { hasVoice, spokenText } from '../shared/narration';
import type { TtsApi } from '../shared/tts-api';

const DEBOUNCE_MS = 400;

export class SpokenLengths {
  /** Seconds by scene id; absent while unknown. */
  seconds = $state<Record<string, number | null>>({});
  /** Whether the voice data is on the device (null until first asked). */
  installed = $state<boolean | null>(null);
  private readonly cache = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private run: AbortController | null = null;

  constructor(private readonly tts: TtsApi) {}

  /** Measures the scenes' spoken voices, shortly after the last edit. */
  update(scenes: readonly Scene[]): void {
    const wanted = scenes
      .filter((s) => s.narration.source === 'tts' && hasVoice(s.narration, s.caption))
      .map((s) => ({ id: s.id, key: `${s.narration.voice}\u0000${spokenText(s.caption)}`, voice: s.narration.voice, text: spokenText(s.caption) }));
    // Known lengths show at once; only new texts wait for the worker.
    const next: Record<string, number | null> = {};
    for (const w of wanted) {
      const known = this.cache.get(w.key);
      if (known !== undefined) next[w.id] = known;
    }
    this.seconds = next;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.measure(wanted), DEBOUNCE_MS);
  }

  /** Re-checks for the voice data (after the user downloaded it) and measures again. */
  async refresh(scenes: readonly Scene[]): Promise<void> {
    this.installed = await this.tts.voiceDataInstalled();
    this.update(scenes);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.run?.abort();
  }

  private async measure(wanted: { id: string; key: string; voice: Scene['narration']['voice']; text: string }[]): Promise<void> {
    this.run?.abort();
    const run = new AbortController();
    this.run = run;
    this.installed = await this.tts.voiceDataInstalled();
    if (!this.installed) return;
    for (const w of wanted) {
      if (run.signal.aborted) return;
      let seconds = this.cache.get(w.key);
      if (seconds === undefined) {
        try {
          const audio = await this.tts.speak(w.text, w.voice, run.signal);
          seconds = audio.samples.length / audio.sampleRate;
          this.cache.set(w.key, seconds);
        } catch {
          // A failed measure leaves the length unknown; making the video reports the real error.
          continue;
        }
      }
      if (!run.signal.aborted) this.seconds = { ...this.seconds, [w.id]: seconds };
    }
  }
}
