// Owns checking a finished MP4 by decoding it back with mediabunny (WebCodecs
// VideoDecoder): the app shows the person what they got (frames, size,
// codec), and the tests compare the decoded pixels of two runs.

import { ALL_FORMATS, BlobSource, Input, VideoSampleSink } from 'mediabunny';
import { ZoetropeError } from '../shared/errors';
import { sha256Hex } from '../common/sha256';

export interface Mp4Report {
  frames: number;
  width: number;
  height: number;
  codec: string;
  durationSeconds: number;
  /** SHA-256 over every decoded frame's pixels (RGBA), in order. */
  decodedSha256: string;
}

/** Decodes every frame. With `hash: false` the pixels are not kept (long 720p lessons would need GBs). */
export async function inspectMp4(blob: Blob, { hash = true } = {}): Promise<Mp4Report> {
  const input = new Input({ source: new BlobSource(blob), formats: ALL_FORMATS });
  try {
    const track = await input.getPrimaryVideoTrack();
    if (!track) throw new ZoetropeError('EncoderUnavailableError', 'The video file has no video track.');
    const codec = (await track.getCodecParameterString()) ?? String(track.codec);
    const sink = new VideoSampleSink(track);
    let frames = 0;
    let width = 0;
    let height = 0;
    const parts: Uint8Array[] = [];
    for await (const sample of sink.samples()) {
      try {
        frames++;
        width = sample.displayWidth;
        height = sample.displayHeight;
        if (hash) {
          const rgba = new Uint8Array(sample.allocationSize({ format: 'RGBA' }));
          await sample.copyTo(rgba, { format: 'RGBA' });
          parts.push(rgba);
        }
      } finally {
        sample.close();
      }
    }
    const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let offset = 0;
    for (const p of parts) {
      all.set(p, offset);
      offset += p.byteLength;
    }
    return { frames, width, height, codec, durationSeconds: await input.computeDuration(), decodedSha256: hash ? await sha256Hex(all) : '' };
  } finally {
    input.dispose();
  }
}
