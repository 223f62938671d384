// The measuring side of the soak test (soak.spec.ts): resident memory of the
// Chromium processes this test worker started, read from Linux /proc (the
// renderer holds the page, the engine worker, its WebAssembly heap and the
// videos; the GPU process holds SwiftShader's copies of the GPU buffers), the
// growth per clip as a least-squares slope, and the printed curve.

import { readdirSync, readFileSync } from 'node:fs';

export type ProcessType = 'renderer' | 'gpu-process';

/** Resident bytes of every Chromium process of this `--type` that descends from this test worker. */
export function processRss(type: ProcessType): number {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended meanwhile.
    }
  }
  const ours = (pid: number) => {
    for (let p = pid, n = 0; p > 1 && n < 20; p = parent.get(p) ?? 0, n++) if (p === process.pid) return true;
    return false;
  };
  let total = 0;
  for (const pid of parent.keys()) {
    try {
      if (!ours(pid) || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--type=${type}`)) continue;
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/** Least-squares slope of ys against their index: growth per generation. */
export function slope(ys: number[]): number {
  const n = ys.length;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

const MB = (b: number) => (b / 1e6).toFixed(2);

/** Prints the first clip, every fifth, and the last, one column per series (in MB). */
export function printCurve(series: Record<string, number[]>): void {
  const names = Object.keys(series);
  const runs = series[names[0]!]!.length;
  console.log(`[soak] generation | ${names.map((n) => `${n} MB`).join(' | ')}`);
  for (let i = 0; i < runs; i++) {
    if (i !== 0 && (i + 1) % 5 !== 0 && i !== runs - 1) continue;
    console.log(`[soak] ${String(i + 1).padStart(3)} | ${names.map((n) => MB(series[n]![i]!).padStart(8)).join(' | ')}`);
  }
}

/** "a → b → c MB" at the first clip, the end of the warm-up and the last clip, with the slope after the warm-up. */
export function describeGrowth(name: string, ys: number[], warmUp: number): string {
  const s = slope(ys.slice(warmUp));
  return `${name}: ${MB(ys[0]!)} → ${MB(ys[warmUp - 1]!)} → ${MB(ys[ys.length - 1]!)} MB (clip 1, ${warmUp}, ${ys.length}); ${(s / 1e3).toFixed(1)} KB per clip after the warm-up`;
}
