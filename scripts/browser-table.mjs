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
];
const chromium = results.find((/** @type {any} */ r) => r.name === 'chromium')?.flows?.generate?.clipMs;
const cell = (/** @type {any} */ r, /** @type {string} */ flow) => {
  const f = r.flows?.[flow];
  if (!r.started) return `not started: ${r.reason ?? ''}`;
  if (!f) return 'not tested yet';
  const ratio = typeof chromium === 'number' && f.clipMs ? `, ${(f.clipMs / chromium).toFixed(2)}× Chromium's time` : '';
  const extra = flow === 'generate' ? ` (${f.threads} threads, isolated ${f.isolated}${ratio})` : flow === 'one-thread' ? ` (${f.threads} thread${ratio})` : flow === 'encode' ? ` (${f.codec})` : flow === 'memory' ? ` (${f.mib} MiB)` : flow === 'backup' ? ` (${f.via})` : flow === 'webgpu' ? (f.adapter ? ' (own adapter)' : ' (no adapter: falls back to WASM and says so)') : '';
  // A flow that passed only on a second try says so: the first try's page stalled.
  return `${f.ok ? 'yes' : '**fails**'}${extra}${f.stalled ? ' (**stalled once**, passed on a second try)' : ''}`;
};
console.log(`| browser | ${FLOWS.map(([, label]) => label).join(' | ')} | sound |`);
console.log(`| --- | ${FLOWS.map(() => '---').join(' | ')} | --- |`);
for (const r of results) {
  // A browser that did not start gets one cell with the reason, not a row of failures.
  if (!r.started) console.log(`| ${r.name} ${r.version} | not started here: ${String(r.reason ?? '').replace(/\|/g, '/').slice(0, 220)} |${' |'.repeat(FLOWS.length)}`);
  else console.log(`| ${r.name} ${r.version} | ${FLOWS.map(([flow]) => cell(r, flow ?? '')).join(' | ')} | not tested yet |`);
}
console.log(`\n(from ${file}, ${date})`);
