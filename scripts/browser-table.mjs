#!/usr/bin/env node
// @ts-check
// Owns README's "Browser support" table: it is printed from the results that
// `npm run test:browsers` wrote (test-results/browsers.json), never typed by
// hand. A flow a browser did not run is "not tested yet", not a pass.
//
//   node scripts/browser-table.mjs [test-results/browsers.json]

import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/browsers.json';
const { date, results } = JSON.parse(readFileSync(file, 'utf8'));
const FLOWS = [
  ['install', 'install with progress'],
  ['generate', 'WASM clip'],
  ['encode', 'MP4 encode'],
  ['decode', 'MP4 decoded back'],
  ['reload', 'reload, nothing fetched again'],
  ['privacy', 'no request while generating'],
  ['one-thread', 'WASM without COOP/COEP'],
  ['offline', 'offline'],
  ['embed', 'embed from another origin'],
  ['lesson', 'lesson export'],
  ['webgpu', 'WebGPU'],
  ['backup', '.zoepack backup'],
  ['memory', 'WASM memory'],
  ['private', 'private window'],
  ['sound', 'sound'],
];
const chromium = results.find((/** @type {any} */ r) => r.name === 'chromium')?.flows?.generate?.clipMs;
const chromiumVoice = results.find((/** @type {any} */ r) => r.name === 'chromium')?.flows?.sound?.voicesMs;
/** The sound flow's cell (scripts/browsers/flow-sound.mjs): the track's codec, what AudioEncoder took, the decoded RMS, the voice's time. */
const soundCell = (/** @type {any} */ f) => {
  const e = f.encoders ?? {};
  const encoders = e.audioEncoder === false ? 'no AudioEncoder' : `AudioEncoder: ${e.aac ? 'AAC' : 'no AAC'}, ${e.opus ? 'Opus' : 'no Opus'}`;
  const ratio = typeof chromiumVoice === 'number' && typeof f.voicesMs === 'number' ? `; TTS ${(f.voicesMs / chromiumVoice).toFixed(2)}× Chromium's time` : '';
  const rms = typeof f.rms === 'number' ? `; decoded back, RMS ${f.rms.toFixed(2)}` : '';
  const heard = Array.isArray(f.pageHeard) ? `; the page hears scene${f.pageHeard.length === 1 ? '' : 's'} ${f.pageHeard.join(', ') || 'none'}` : '';
  // No track, or a lesson that failed: said plainly, with the flow's own words.
  if (!f.codec || f.codec === 'none') return `**no sound** (${encoders}): ${String(f.detail).replace(/\|/g, '/').slice(0, 200)}`;
  return `${f.ok ? 'yes' : '**fails**'} (${f.codec === 'opus' ? 'Opus' : 'AAC'} track; ${encoders}${rms}${heard}${ratio})`;
};
const cell = (/** @type {any} */ r, /** @type {string} */ flow) => {
  const f = r.flows?.[flow];
  if (!r.started) return `not started: ${r.reason ?? ''}`;
  if (!f) return 'not tested yet';
  if (flow === 'sound') return `${soundCell(f)}${f.stalled ? ' (**stalled once**, passed on a second try)' : ''}`;
  const ratio = typeof chromium === 'number' && f.clipMs ? `, ${(f.clipMs / chromium).toFixed(2)}× Chromium's time` : '';
  const extra = flow === 'generate' ? ` (${f.threads} threads, isolated ${f.isolated}${ratio})` : flow === 'one-thread' ? ` (${f.threads} thread${ratio})` : flow === 'encode' ? ` (${f.codec})` : flow === 'memory' ? ` (${f.mib} MiB)` : flow === 'backup' ? ` (${f.via})` : flow === 'webgpu' ? (f.adapter ? ' (own adapter)' : ' (no adapter: falls back to WASM and says so)') : '';
  // A flow that passed only on a second try says so: the first try's page stalled.
  return `${f.ok ? 'yes' : '**fails**'}${extra}${f.stalled ? ' (**stalled once**, passed on a second try)' : ''}`;
};
console.log(`| browser | ${FLOWS.map(([, label]) => label).join(' | ')} |`);
console.log(`| --- | ${FLOWS.map(() => '---').join(' | ')} |`);
for (const r of results) {
  // A browser that did not start gets one cell with the reason, not a row of failures.
  if (!r.started) console.log(`| ${r.name} ${r.version} | not started here: ${String(r.reason ?? '').replace(/\|/g, '/').slice(0, 220)} |${' |'.repeat(FLOWS.length - 1)}`);
  else console.log(`| ${r.name} ${r.version} | ${FLOWS.map(([flow]) => cell(r, flow ?? '')).join(' | ')} |`);
}
console.log(`\n(from ${file}, ${date})`);
