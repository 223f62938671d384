// Measures Chromium's memory from the Node side of a large-pack test: the
// browser's processes (the process tree under the Chromium started with the
// test's profile folder, each named by its --type), then /proc/<pid>/status of each, sampled while
// something runs. VmRSS sampled gives the peak during that span; VmHWM is
// the process's peak since it started. The engine worker runs inside the
// page's renderer process; with WebGPU on SwiftShader the GPU buffers live
// in the GPU process. Linux only (as the machines these tests run on).
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessPeak {
  type: string;
  pid: number;
  /** VmRSS at the first sample, bytes. */
  startRss: number;
  /** Highest VmRSS seen while sampling, bytes. */
  peakRss: number;
  /** VmHWM at the end: the process's peak RSS since it started, or since Chromium last reset it (it does: HWM was seen below a sampled RSS), bytes. */
  hwm: number;
}

function status(pid: number): { rss: number; hwm: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null; // The process ended.
  }
}

/** Chromium's processes under the browser started with `profileDir`, by their --type (renderer, gpu-process…). */
function chromiumProcesses(profileDir: string): { type: string; id: number }[] {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const info = new Map<number, { ppid: number; cmd: string }>();
  for (const pid of all) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      info.set(pid, { ppid, cmd });
    } catch {
      // gone
    }
  }
  const root = [...info.entries()].find(([, p]) => p.cmd.includes(`--user-data-dir=${profileDir}`) && !p.cmd.includes('--type='))?.[0];
  if (root === undefined) return [];
  const under = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 10; hops++) {
      if (p === root) return true;
      p = info.get(p)?.ppid ?? 0;
    }
    return false;
  };
  return [...info.entries()]
    .filter(([pid]) => under(pid))
    .map(([pid, p]) => ({ type: /--type=([\w-]+)/.exec(p.cmd)?.[1] ?? 'browser', id: pid }))
    .filter((p) => p.type === 'renderer' || p.type === 'gpu-process' || p.type === 'browser');
}

/**
 * Samples the browser, renderer and GPU processes of the Chromium started with `profileDir` every
 * `everyMs` until stop(). (CDP's SystemInfo.getProcessInfo needs a browser-level session, which a
 * persistent context does not give; the process tree says the same.)
 */
export function sampleMemory(profileDir: string, everyMs = 200): { stop(): Promise<ProcessPeak[]> } {
  const peaks = new Map<number, ProcessPeak>();
  let processes = chromiumProcesses(profileDir);
  let ticks = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      if (++ticks % 25 === 0) processes = chromiumProcesses(profileDir); // A new renderer after a navigation.
      for (const p of processes) {
        const s = status(p.id);
        if (!s) continue;
        const peak = peaks.get(p.id) ?? { type: p.type, pid: p.id, startRss: s.rss, peakRss: 0, hwm: 0 };
        peak.peakRss = Math.max(peak.peakRss, s.rss);
        peak.hwm = s.hwm;
        peaks.set(p.id, peak);
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return [...peaks.values()].sort((a, b) => b.peakRss - a.peakRss);
    },
  };
}

export const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

export function describePeaks(peaks: ProcessPeak[]): string {
  return peaks
    .filter((p) => p.peakRss > 50e6)
    .map((p) => `${p.type} ${p.pid}: RSS ${gb(p.startRss)} at the start, peak ${gb(p.peakRss)} (HWM ${gb(p.hwm)})`)
    .join('; ');
}
