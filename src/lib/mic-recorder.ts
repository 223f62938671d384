// Owns recording a narration from the microphone: asking for it, running
// the recorder worklet (recorder-worklet.ts) on its stream, reporting the
// live level for a meter, and on stop handing back the mono samples at the
// audio context's rate. Every path out (stop, cancel, a failed start, the
// device going away) stops the tracks and closes the context, so the
// browser's microphone indicator goes off as soon as recording ends.
//
// Refusals are named: MicrophoneDeniedError when the person or a policy
// said no, MicrophoneUnavailableError when there is no usable device (none,
// busy in another program, or no getUserMedia on an insecure page).

import workletUrl from './recorder-worklet.ts?worker&url';
import type { RecorderCommand, RecorderMessage, RecorderProcessorName } from './recorder-worklet';
import { ZoetropeError } from '../shared/errors';
import { MAX_NARRATION_SECONDS } from './audio-samples';

const PROCESSOR: RecorderProcessorName = 'zoetrope-recorder';

/**
 * What we ask the microphone for. The browser's call processing is off:
 * echo cancellation is for a far end playing through the speakers (nothing
 * plays while a narration is recorded), automatic gain pumps the level up in
 * every pause and down on every word, and noise suppression gates soft word
 * endings and smears a steady tone. A narration wants the voice as the
 * microphone heard it; the editor's volume slider sets its loudness. With all
 * three off Chromium bypasses its WebRTC audio processing entirely. Mono is
 * only `ideal`, so a stereo-only device is still accepted (and mixed down).
 */
export const MIC_CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: { ideal: 1 } },
  video: false,
};

export interface RecorderLevel {
  peak: number;
  rms: number;
  /** Seconds recorded so far. */
  seconds: number;
}

export interface Recording {
  samples: Float32Array;
  sampleRate: number;
}

export interface RecorderOptions {
  onlevel?: (level: RecorderLevel) => void;
  /** Recording ended on its own: the length limit was reached, or the device went away. Call stop() to collect it. */
  onend?: (reason: 'limit' | 'ended') => void;
  maxSeconds?: number;
}

export interface ActiveRecording {
  readonly sampleRate: number;
  stop(): Promise<Recording>;
  /** Ends the recording and drops what was recorded. */
  cancel(): Promise<void>;
}

/** Names a getUserMedia refusal. */
export function microphoneError(error: unknown): ZoetropeError {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return new ZoetropeError('MicrophoneDeniedError', `The microphone was refused (${name}: ${message}).`, { cause: name });
  }
  const reason = name === 'NotFoundError' || name === 'OverconstrainedError' ? 'missing' : name === 'NotReadableError' || name === 'AbortError' ? 'busy' : 'other';
  const said = reason === 'missing' ? 'No microphone was found' : reason === 'busy' ? 'The microphone is in use by another program, or failed to start' : 'The microphone could not be started';
  return new ZoetropeError('MicrophoneUnavailableError', `${said} (${name || 'Error'}: ${message}).`, { reason, cause: name || null });
}

export async function startRecording(options: RecorderOptions = {}): Promise<ActiveRecording> {
  const maxSeconds = options.maxSeconds ?? MAX_NARRATION_SECONDS;
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new ZoetropeError(
      'MicrophoneUnavailableError',
      window.isSecureContext ? 'This browser cannot record from a microphone.' : 'Browsers allow the microphone only on a secure page (https:// or http://localhost).',
      { reason: window.isSecureContext ? 'unsupported' : 'insecure' },
    );
  }
  // Made before the permission prompt, while the click that started recording still counts as a user
  // gesture: a context made later may start suspended under the autoplay policy.
  const context = new AudioContext();
  // A holder, not a plain `let`: TypeScript would narrow a `let` to null inside the catch below.
  const held: { stream: MediaStream | null } = { stream: null };
  try {
    try {
      held.stream = await navigator.mediaDevices.getUserMedia(MIC_CONSTRAINTS);
    } catch (error) {
      throw microphoneError(error);
    }
    await context.audioWorklet.addModule(workletUrl);
    await context.resume();
    return wire(context, held.stream, options, maxSeconds);
  } catch (error) {
    held.stream?.getTracks().forEach((t) => t.stop());
    void context.close().catch(() => undefined);
    if (error instanceof ZoetropeError) throw error;
    throw new ZoetropeError('MicrophoneUnavailableError', `Recording could not start: ${error instanceof Error ? error.message : String(error)}`, { reason: 'other' });
  }
}

function wire(context: AudioContext, stream: MediaStream, options: RecorderOptions, maxSeconds: number): ActiveRecording {
  const source = context.createMediaStreamSource(stream);
  const node = new AudioWorkletNode(context, PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
  // The node writes silence; it is connected to the destination (through a muted gain) only so that every
  // browser keeps pulling audio through it. A node with no path to the destination may not be processed.
  const mute = context.createGain();
  mute.gain.value = 0;
  source.connect(node).connect(mute).connect(context.destination);

  const sampleRate = context.sampleRate;
  const chunks: Float32Array[] = [];
  let frames = 0;
  let ended = false;
  let stoppedSignal: (() => void) | null = null;
  const stopped = new Promise<void>((resolve) => (stoppedSignal = resolve));

  node.port.onmessage = (event: MessageEvent<RecorderMessage>) => {
    const message = event.data;
    if (message.type === 'stopped') {
      stoppedSignal?.();
      return;
    }
    // Past the limit nothing more is kept; the chunk the processor flushes on stop still is.
    if (frames >= maxSeconds * sampleRate) return;
    chunks.push(message.samples);
    frames += message.samples.length;
    options.onlevel?.({ peak: message.peak, rms: message.rms, seconds: frames / sampleRate });
    if (frames >= maxSeconds * sampleRate) end('limit');
  };
  const onTrackEnded = () => end('ended');
  for (const track of stream.getAudioTracks()) track.addEventListener('ended', onTrackEnded);

  function end(reason: 'limit' | 'ended') {
    if (ended) return;
    ended = true;
    options.onend?.(reason);
  }

  let finished = false;
  async function finish(): Promise<void> {
    if (finished) return;
    finished = true;
    ended = true; // No onend after the caller itself stopped.
    const command: RecorderCommand = { type: 'stop' };
    node.port.postMessage(command);
    // The processor answers within one render quantum; a context that stopped rendering never does.
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 500))]);
    for (const track of stream.getTracks()) {
      track.removeEventListener('ended', onTrackEnded);
      track.stop();
    }
    source.disconnect();
    node.disconnect();
    node.port.onmessage = null;
    await context.close().catch(() => undefined);
  }

  return {
    sampleRate,
    async stop() {
      await finish();
      const limit = Math.round(maxSeconds * sampleRate);
      const samples = new Float32Array(Math.min(frames, limit));
      let at = 0;
      for (const chunk of chunks) {
        if (at >= samples.length) break;
        const part = chunk.subarray(0, samples.length - at);
        samples.set(part, at);
        at += part.length;
      }
      return { samples, sampleRate };
    },
    async cancel() {
      await finish();
      chunks.length = 0;
    },
  };
}
