// The clip's VideoEncoder config: codec strings with the profile and level
// for the frame size, and the bitrate mediabunny's QUALITY_HIGH used to give
// (checked against the config mediabunny chose here: avc1.64000c at 230 kbit/s
// for 256x256). The browser's own answer to isConfigSupported is tested end to
// end (tests/e2e/video-output.spec.ts: H.264 and VP9 MP4s that play).
import { describe, expect, it } from 'vitest';
import { codecStrings, encoderConfigs, videoBitrate } from '../../workers/video-encoder-config';

describe('video encoder config', () => {
  it('gives the bitrate mediabunny gave for the default 256x256 clip', () => {
    expect(videoBitrate('avc', 256, 256)).toBe(230_000);
    expect(videoBitrate('vp9', 256, 256)).toBe(138_000);
    // More pixels, more bits, a little less than in proportion.
    expect(videoBitrate('avc', 1080, 1080)).toBeGreaterThan(10 * videoBitrate('avc', 256, 256));
  });

  it('picks the smallest H.264 level that holds the frame and the bitrate, High profile first', () => {
    expect(codecStrings('avc', 256, 256, 230_000)).toEqual(['avc1.64000c', 'avc1.4d000c', 'avc1.42e00c']);
    // 1080x1080: 68x68 = 4624 macroblocks -> level 3.2 (5120).
    expect(codecStrings('avc', 1080, 1080, videoBitrate('avc', 1080, 1080))[0]).toBe('avc1.640020');
    // 16x16 at a low rate: level 1.0.
    expect(codecStrings('avc', 16, 16, 50_000)[0]).toBe('avc1.64000a');
    // Past every level's rate: the highest level, not a crash.
    expect(codecStrings('avc', 256, 256, 1e12)[0]).toBe('avc1.640033');
  });

  it('picks the VP9 level by picture size', () => {
    expect(codecStrings('vp9', 256, 256, 138_000)).toEqual(['vp09.00.11.08']);
    expect(codecStrings('vp9', 1080, 1080, 1)).toEqual(['vp09.00.40.08']);
    expect(codecStrings('vp9', 100, 100, 1)).toEqual(['vp09.00.10.08']);
  });

  it('builds complete configs; H.264 in MP4 form (avcC), VP9 without', () => {
    const [avc] = encoderConfigs('avc', 256, 256, 8);
    expect(avc).toEqual({ codec: 'avc1.64000c', width: 256, height: 256, bitrate: 230_000, bitrateMode: 'variable', framerate: 8, avc: { format: 'avc' } });
    const [vp9] = encoderConfigs('vp9', 320, 256, 8);
    expect(vp9).toMatchObject({ codec: 'vp09.00.20.08', width: 320, height: 256, framerate: 8 });
    expect(vp9).not.toHaveProperty('avc');
  });
});
