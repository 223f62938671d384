#!/usr/bin/env node
// @ts-check
// Owns `npm run bench:zoepack`: export and import throughput of a .zoepack of
// at least 100 MB in Debian Chromium, against the raw speed of IndexedDB
// writes in the same browser, with the page's peak JS heap during each. The
// pack is a TEST FIXTURE made here: the fixture pack plus one file of random
// bytes (default 128 MiB) in 32 MiB shards. Memory is read two ways: the
// page's JS heap (DevTools; it leaves out ArrayBuffer contents) and, on Linux,
// the resident memory (VmRSS) of each Chromium process, of which the table
// gives the largest renderer, the browser process (which keeps Blobs) and the
// storage service (IndexedDB).
// Profiles are on disk (an off-the-record one keeps IndexedDB and OPFS in memory).
// Prints a table; asserts nothing.
// Usage: npm run bench:zoepack [-- --mib 128 --port 4198 --blob|--picker]

import { chromium } from '@playwright/test';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, preview } from 'vite';
import { MARKER, peakMemory } from './bench-memory.mjs';

const args = process.argv.slice(2);
/** @param {string} name @param {number} fallback */
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const MIB = opt('mib', 128);
const PORT = opt('port', 4198);
// --blob hides OPFS, so the export takes its fallback: Blob parts in memory (how it worked before OPFS).
const BLOB = args.includes('--blob');
// --picker stands in for the save dialog with an OPFS file, so the export writes through createWritable() on the page.
const PICKER = args.includes('--picker');
const SHARD = 32 * 1024 * 1024;
const ID = 'zoetrope-bench-fixture';

// The pack: the fixture's files and shards, plus bench-padding.bin.
const work = mkdtempSync(join(tmpdir(), 'zoetrope-bench-zoepack-'));
const packDir = join(work, 'pack');
mkdirSync(join(packDir, 'shards'), { recursive: true });
cpSync('tests/fixtures/fixture-pack/shards', join(packDir, 'shards'), { recursive: true });
const manifest = JSON.parse(readFileSync('tests/fixtures/fixture-pack/manifest.json', 'utf8'));
const padding = randomBytes(MIB * 1024 * 1024);
const shards = [];
for (let at = 0; at < padding.byteLength; at += SHARD) {
  const piece = padding.subarray(at, Math.min(padding.byteLength, at + SHARD));
  const sha256 = createHash('sha256').update(piece).digest('hex');
  writeFileSync(join(packDir, 'shards', sha256), piece);
  shards.push({ sha256, size: piece.byteLength });
}
manifest.id = ID;
manifest.name = `Bench TEST FIXTURE (${MIB} MiB)`;
manifest.shardSize = Math.max(manifest.shardSize, SHARD);
manifest.files.push({ path: 'bench-padding.bin', size: padding.byteLength, sha256: createHash('sha256').update(padding).digest('hex'), shards });
manifest.totalBytes += padding.byteLength;
writeFileSync(join(packDir, 'manifest.json'), JSON.stringify(manifest, null, 2));

process.env['ZOETROPE_EXTRA_PACKS'] = packDir;
await build({ logLevel: 'warn' });
const server = await preview({ preview: { port: PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
const LAUNCH = {
  executablePath: process.env['ZOETROPE_CHROMIUM'] ?? '/usr/bin/chromium',
  args: [MARKER, '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
};
// Each profile is a real one on disk. Playwright's usual contexts are off the record, and
// Chromium keeps an off-the-record profile's IndexedDB and OPFS in the browser process's memory,
// which would show every stored byte as RSS.
/** @type {import('@playwright/test').BrowserContext[]} */
const profiles = [];
const openProfile = async () => {
  const profile = await chromium.launchPersistentContext(mkdtempSync(join(work, 'profile-')), { ...LAUNCH, acceptDownloads: true });
  profiles.push(profile);
  return profile;
};
let version = '';
const base = `http://127.0.0.1:${PORT}`;
const manifestUrl = `${base}/models/${ID}/manifest.json`;
// A ?model= on another origin (localhost) waits for a click, so nothing installs by itself.
const libraryUrl = `${base}/?view=library&model=${encodeURIComponent(manifestUrl.replace('127.0.0.1', 'localhost'))}`;

/** @type {Record<string, any>[]} */
const timings = [];
/** @param {import('@playwright/test').Page} page */
function listen(page) {
  page.on('console', (m) => {
    const match = /^\[zoetrope:timing\] (.*)$/.exec(m.text());
    if (match) timings.push(JSON.parse(match[1] ?? '{}'));
  });
}

const mb = (/** @type {number} */ b) => (b / 1e6).toFixed(1);
const rows = [];
try {
  const first = await openProfile();
  // Where showSaveFilePicker exists the export waits on a native dialog; without it, it streams into OPFS and downloads.
  await first.addInitScript(([blob, picker]) => {
    const stand = async () => (await navigator.storage.getDirectory()).getFileHandle('picked.zoepack', { create: true });
    Object.defineProperty(window, 'showSaveFilePicker', { value: picker ? stand : undefined, configurable: true });
    // No OPFS: the export falls back to Blob parts.
    if (blob) Object.defineProperty(navigator.storage, 'getDirectory', { value: undefined, configurable: true });
  }, [BLOB, PICKER]);
  const a = first.pages()[0] ?? (await first.newPage());
  version = await a.evaluate(() => navigator.userAgent.match(/Chrom(?:e|ium)\/([\d.]+)/)?.[1] ?? '?');
  listen(a);
  await a.goto(libraryUrl);
  // Raw IndexedDB: the same bytes, in 32 MiB values, into a scratch database of the same browser.
  const raw = await a.evaluate(async ([total, shard]) => {
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open('bench-raw', 1);
      r.onupgradeneeded = () => r.result.createObjectStore('s');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const started = performance.now();
    for (let at = 0, i = 0; at < total; at += shard, i++) {
      const bytes = new Uint8Array(Math.min(shard, total - at));
      crypto.getRandomValues(bytes.subarray(0, Math.min(65536, bytes.byteLength)));
      await new Promise((resolve, reject) => {
        const tx = /** @type {IDBDatabase} */ (db).transaction('s', 'readwrite');
        tx.objectStore('s').put(bytes, i);
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
    }
    const ms = performance.now() - started;
    /** @type {IDBDatabase} */ (db).close();
    await new Promise((resolve) => { const r = indexedDB.deleteDatabase('bench-raw'); r.onsuccess = r.onerror = resolve; });
    return ms;
  }, [manifest.totalBytes, SHARD]);
  rows.push(['raw IndexedDB writes', manifest.totalBytes, raw, null]);

  await a.getByTestId('add-url').fill(manifestUrl);
  await a.getByTestId('add-check').click();
  await a.getByTestId('add-download').click();
  await a.getByTestId('library-model').waitFor({ timeout: 600_000 });

  // Reading the installed shards back from IndexedDB alone, as the export does, to tell its memory apart.
  const readStarted = performance.now();
  const readPeak = await peakMemory(a, () => a.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open('zoetrope-shards');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const store = () => /** @type {IDBDatabase} */ (db).transaction('shards').objectStore('shards');
    const keys = await new Promise((resolve) => { const r = store().getAllKeys(); r.onsuccess = () => resolve(r.result); });
    for (const key of /** @type {IDBValidKey[]} */ (keys)) await new Promise((resolve) => { const r = store().get(key); r.onsuccess = () => resolve(r.result?.byteLength); });
    /** @type {IDBDatabase} */ (db).close();
  }));
  rows.push(['raw IndexedDB reads of the installed shards', manifest.totalBytes, performance.now() - readStarted, readPeak]);

  const packFile = join(work, 'bench.zoepack');
  // The export (until the app logs its timing, just before it hands the file to the browser) and the
  // download (Chromium copies the file to the downloads folder) are measured apart.
  const downloading = a.waitForEvent('download', { timeout: 600_000 });
  const exportPeak = await peakMemory(a, async () => {
    await a.getByTestId('export-model').click();
    while (!timings.some((t) => t.event === 'export')) await new Promise((r) => setTimeout(r, 50));
  });
  const exp = timings.find((t) => t.event === 'export');
  const how = PICKER ? 'the picked file, createWritable()' : BLOB ? 'Blob parts' : 'file in OPFS';
  rows.push([`export (IndexedDB → .zoepack ${how})`, exp?.bytes, exp?.ms, exportPeak]);
  if (PICKER) {
    // No download: copy the picked file out for the import below.
    const handle = await a.evaluateHandle(async () => (await (await navigator.storage.getDirectory()).getFileHandle('picked.zoepack')).getFile());
    const url = await a.evaluate((file) => URL.createObjectURL(file), handle);
    const got = a.waitForEvent('download', { timeout: 600_000 });
    await a.evaluate((href) => Object.assign(document.createElement('a'), { href, download: 'picked.zoepack' }).click(), url);
    await (await got).saveAs(packFile);
  } else {
    const savedAt = performance.now();
    const savePeak = await peakMemory(a, async () => {
      await (await downloading).saveAs(packFile);
    });
    rows.push(['  then the download, saved to disk', exp?.bytes, performance.now() - savedAt, savePeak]);
  }
  await first.close();

  const second = await openProfile();
  const b = second.pages()[0] ?? (await second.newPage());
  listen(b);
  await b.goto(libraryUrl);
  const importPeak = await peakMemory(b, async () => {
    await b.getByTestId('import-file').setInputFiles(packFile);
    await b.getByTestId('import-done').waitFor({ timeout: 600_000 });
  });
  const imp = timings.find((t) => t.event === 'import');
  rows.push(['import (.zoepack → verified shards in IndexedDB)', imp?.bytes, imp?.ms, importPeak]);
  await second.close();
} finally {
  for (const profile of profiles) await profile.close().catch(() => {});
  await new Promise((resolve) => server.httpServer.close(resolve));
  rmSync(work, { recursive: true, force: true });
}

console.log(`\n.zoepack throughput, ${MIB} MiB TEST FIXTURE pack, Chromium ${version}, on-disk profiles\n`);
console.log('| what | bytes | time | MB/s | peak JS heap | RSS at start → peak, renderer | RSS at start → peak, browser process | RSS at start → peak, storage service (IndexedDB) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [what, bytes, ms, peak] of rows) {
  const span = (/** @type {number} */ start, /** @type {number} */ top) => (top ? `${mb(start)} → ${mb(top)} MB` : '?');
  const memory = peak === null ? '— | — | — | —' : `${mb(peak.heap)} MB | ${span(peak.start.renderer, peak.renderer)} | ${span(peak.start.browser, peak.browser)} | ${span(peak.start.storage, peak.storage)}`;
  console.log(`| ${what} | ${mb(bytes)} MB | ${(ms / 1000).toFixed(2)} s | ${(bytes / 1e6 / (ms / 1000)).toFixed(1)} | ${memory} |`);
}
