// Owns turning an audio file a person picked into a narration's samples:
// mono Float32 at NARRATION_RATE, or an AudioFileError that names the file
// and says what is wrong (empty, too long, too large, damaged or a format
// this browser does not read, no sound). Nothing is stored here; the caller
// stores only what this returns, so a refused file leaves nothing behind.
//
// Decoding is the browser's own decodeAudioData, on an OfflineAudioContext
// at NARRATION_RATE: it reads every format the browser plays (WAV, MP3,
// AAC/M4A, FLAC, Ogg Vorbis and Opus in Chromium and Firefox; Safari lacks
// some Ogg), resamples to the mix's rate in the same step, and needs no
// WebCodecs AudioDecoder (which mediabunny would need for everything but
// PCM, and which older Safari lacks). Its weakness is that it decodes the
// whole file before the length is known, so mediabunny, already in the app,
// first reads the duration from the file's headers: a 2-hour podcast is
// refused without decoding 2 GB of samples. Where mediabunny cannot tell,
// a byte limit bounds the work and the decoded length is checked after.

import { ALL_FORMATS, BlobSource, Input } from 'mediabunny';
import { ZoetropeError } from '../shared/errors';
import { NARRATION_RATE } from '../shared/narration';
import { isSilent, MAX_NARRATION_SECONDS, mixToMono } from './audio-samples';
import { formatBytes } from './format';

/** Files larger than this are refused unread: a minute of 24-bit 96 kHz stereo WAV is 35 MB. */
export const MAX_AUDIO_FILE_BYTES = 64 * 1024 * 1024;

/** Slack over the limit, since headers and decoders round a file's length (encoder padding, frame sizes). */
const LENGTH_SLACK_SECONDS = 0.5;

/** What the picker offers; decodeAudioData still has the last word. */
export const AUDIO_FILE_ACCEPT = 'audio/*,.wav,.mp3,.m4a,.aac,.ogg,.oga,.opus,.flac,.webm';

export interface ImportedAudio {
  samples: Float32Array;
  sampleRate: number;
  seconds: number;
  fileName: string;
}

function fileError(fileName: string, reason: string, message: string): ZoetropeError {
  return new ZoetropeError('AudioFileError', message, { fileName, reason });
}

function tooLong(fileName: string, seconds: number): ZoetropeError {
  return fileError(fileName, 'too-long', `"${fileName}" lasts ${seconds.toFixed(1)} s; a scene's narration may last at most ${MAX_NARRATION_SECONDS} s. Cut it shorter in a sound editor, or record the scene's part.`);
}

/** The duration from the file's headers, or null when mediabunny cannot read them (decodeAudioData may still). */
async function durationFromHeaders(file: Blob): Promise<number | null> {
  const input = new Input({ source: new BlobSource(file), formats: ALL_FORMATS });
  try {
    const track = await input.getPrimaryAudioTrack();
    if (!track) return null;
    const seconds = await input.getDurationFromMetadata([track]);
    return seconds !== null && Number.isFinite(seconds) && seconds > 0 ? seconds : null;
  } catch {
    return null;
  } finally {
    input.dispose();
  }
}

export async function importAudioFile(file: File): Promise<ImportedAudio> {
  const fileName = file.name || 'the file';
  if (file.size === 0) throw fileError(fileName, 'empty', `"${fileName}" is empty (0 bytes).`);
  if (file.size > MAX_AUDIO_FILE_BYTES) {
    throw fileError(fileName, 'too-large', `"${fileName}" is ${formatBytes(file.size)}; audio files of at most ${formatBytes(MAX_AUDIO_FILE_BYTES)} are read.`);
  }
  const headerSeconds = await durationFromHeaders(file);
  if (headerSeconds !== null && headerSeconds > MAX_NARRATION_SECONDS + LENGTH_SLACK_SECONDS) throw tooLong(fileName, headerSeconds);

  let decoded: AudioBuffer;
  try {
    const context = new OfflineAudioContext({ numberOfChannels: 1, length: 1, sampleRate: NARRATION_RATE });
    decoded = await context.decodeAudioData(await file.arrayBuffer());
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw fileError(fileName, 'undecodable', `"${fileName}" could not be read as audio: it is damaged, or in a format this browser cannot decode (${why}).`);
  }
  if (decoded.duration > MAX_NARRATION_SECONDS + LENGTH_SLACK_SECONDS) throw tooLong(fileName, decoded.duration);

  const channels: Float32Array[] = [];
  for (let c = 0; c < decoded.numberOfChannels; c++) channels.push(decoded.getChannelData(c));
  const samples = mixToMono(channels).subarray(0, Math.round(MAX_NARRATION_SECONDS * decoded.sampleRate));
  if (samples.length === 0 || isSilent(samples)) throw fileError(fileName, 'silent', `"${fileName}" holds no sound (it is silent or empty).`);
  return { samples: samples.slice(), sampleRate: decoded.sampleRate, seconds: samples.length / decoded.sampleRate, fileName };
}
