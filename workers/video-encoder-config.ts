// Owns the WebCodecs VideoEncoder configuration of a clip: the codec string
// (profile and level for the frame size), the bitrate, and the first
// candidate the browser says it supports. Pure apart from that one question.
//
// Why not mediabunny's VideoSampleSource, which builds the same config: its
// encoder wrapper sleeps 25 ms after every flush (a workaround for Chromium
// issue 529852980, an encoding error that surfaces only after flush()
// resolves), which was 1.5-2% of a whole clip here. encode-mp4.ts drives the
// encoder itself and checks instead that every frame came out; mediabunny
// still chooses the codec and muxes the MP4. (The lesson export keeps
// mediabunny's CanvasSource: one sleep at the end of a long export is nothing.)

export type EncodableCodec = 'avc' | 'vp9';

/**
 * H.264 levels: [level_idc, max macroblocks per frame, max bitrate in bit/s] (ITU-T H.264, Table A-1; the
 * Baseline/Main MaxBR, which the High profile's 1.25x allowance only widens, so a level chosen here holds for all three).
 */
const AVC_LEVELS: readonly (readonly [number, number, number])[] = [
  [10, 99, 64_000],
  [11, 396, 192_000],
  [12, 396, 384_000],
  [13, 396, 768_000],
  [20, 396, 2_000_000],
  [21, 792, 4_000_000],
  [22, 1620, 4_000_000],
  [30, 1620, 10_000_000],
  [31, 3600, 14_000_000],
  [32, 5120, 20_000_000],
  [40, 8192, 20_000_000],
  [41, 8192, 50_000_000],
  [42, 8704, 50_000_000],
  [50, 22080, 135_000_000],
  [51, 36864, 240_000_000],
];

/** VP9 levels: [level, max luma picture size in pixels] (the VP9 bitstream spec's level table). */
const VP9_LEVELS: readonly (readonly [number, number])[] = [
  [10, 36864],
  [11, 73728],
  [20, 122880],
  [21, 245760],
  [30, 552960],
  [31, 983040],
  [40, 2228224],
  [50, 8912896],
  [60, 35651584],
];

/**
 * The bitrate mediabunny's QUALITY_HIGH gives this codec and size (3 Mbit/s for 1080p H.264, scaled by
 * pixels^0.95, VP9 at 0.6 of H.264, times its "high" factor 0.3 e^(2.5538 * 0.75)), so the MP4s
 * keep the bitrate they had when mediabunny configured the encoder: 230 kbit/s for 256x256 H.264.
 */
export function videoBitrate(codec: EncodableCodec, width: number, height: number): number {
  const base = 3_000_000 * Math.pow((width * height) / (1920 * 1080), 0.95) * (codec === 'avc' ? 1 : 0.6);
  return Math.ceil((base * 0.3 * Math.exp(2.5538 * 0.75)) / 1000) * 1000;
}

/** The codec strings to try for `codec` at this size and bitrate, most preferred first. */
export function codecStrings(codec: EncodableCodec, width: number, height: number, bitrate: number): string[] {
  if (codec === 'avc') {
    const macroblocks = Math.ceil(width / 16) * Math.ceil(height / 16);
    const level = (AVC_LEVELS.find(([, mbs, rate]) => macroblocks <= mbs && bitrate <= rate) ?? AVC_LEVELS[AVC_LEVELS.length - 1]!)[0];
    const hex = level.toString(16).padStart(2, '0');
    // High, then Main, then Constrained Baseline: encoders that know only the simpler profiles still say yes to one.
    return [`avc1.6400${hex}`, `avc1.4d00${hex}`, `avc1.42e0${hex}`];
  }
  const level = (VP9_LEVELS.find(([, size]) => width * height <= size) ?? VP9_LEVELS[VP9_LEVELS.length - 1]!)[0];
  return [`vp09.00.${String(level).padStart(2, '0')}.08`];
}

/** The encoder configs to try, in order: the codec strings above with this size, bitrate and frame rate. */
export function encoderConfigs(codec: EncodableCodec, width: number, height: number, fps: number): VideoEncoderConfig[] {
  const bitrate = videoBitrate(codec, width, height);
  return codecStrings(codec, width, height, bitrate).map((string) => ({
    codec: string,
    width,
    height,
    bitrate,
    bitrateMode: 'variable',
    framerate: fps,
    // MP4 stores H.264 parameter sets in the track header (avcC), not in the stream.
    ...(codec === 'avc' ? { avc: { format: 'avc' } } : {}),
  }));
}

/** The first config the browser's VideoEncoder supports, or null. */
export async function supportedEncoderConfig(codec: EncodableCodec, width: number, height: number, fps: number): Promise<VideoEncoderConfig | null> {
  for (const config of encoderConfigs(codec, width, height, fps)) {
    try {
      if ((await VideoEncoder.isConfigSupported(config)).supported) return config;
    } catch {
      // A malformed or unknown codec string throws in some browsers: not supported.
    }
  }
  return null;
}
