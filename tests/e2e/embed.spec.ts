// The embed across two real origins: the app (and embed.html) on
// http://127.0.0.1:<port>, host pages on http://localhost:4392 (allowed) and
// :4393 (not allowed), all on the TEST FIXTURE pack, WASM unless stated.
import { expect, test, type Page } from '@playwright/test';
import type { ZoetropeEmbed } from '../../src/embed/client';
import { embedUrl, HOST_A, HOST_B, openHarness, received, startHosts } from './embed-hosts';
import { FIXTURE_ID, logConsole } from './helpers';
import { makeUpdatedFixturePack } from './pack-server';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type HostWindow = Window & { zoetrope: ZoetropeEmbed; embedWindow: () => Window; embedOrigin: string };

const CHROMIUM = process.env['ZOETROPE_CHROMIUM'] ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-unsafe-webgpu'];
// Chromium 156 blocks third-party cookies, and with them all storage of a
// frame from another site (IndexedDB included). These tests run as a person
// who allows third-party site data (storage partitioned by top-level site);
// embed-storage-blocked.spec.ts runs with the default, where the embed must say why it cannot install.
test.use({ launchOptions: { executablePath: CHROMIUM, args: [...ARGS, '--disable-features=TrackingProtection3pcd'] } });

let stopHosts: () => Promise<void> = async () => {};
test.beforeAll(async () => {
  stopHosts = await startHosts();
});
test.afterAll(async () => stopHosts());

const appOrigin = (baseURL: string | undefined) => new URL(baseURL!).origin;

/** Checks an MP4 in the host page: an ISO BMFF `ftyp` box, and the host's own <video> reads its size and length. */
async function hostPlays(page: Page, selector: string): Promise<{ width: number; height: number; duration: number }> {
  return page.evaluate(async (sel) => {
    const video = document.querySelector(sel) as HTMLVideoElement;
    if (video.readyState < 1) await new Promise((resolve, reject) => ((video.onloadedmetadata = resolve), (video.onerror = reject)));
    return { width: video.videoWidth, height: video.videoHeight, duration: video.duration };
  }, selector);
}

for (const backend of ['wasm', 'webgpu'] as const) {
  test(`the example host page on another origin generates through the client (${backend})`, async ({ page, baseURL }) => {
    logConsole(page);
    const app = appOrigin(baseURL);
    // The frame's own engine timings ("[zoetrope:timing]" lines, frames included), to split the figure below.
    const engineMs: number[] = [];
    page.on('console', (m) => {
      const match = /^\[zoetrope:timing\] (.*)$/.exec(m.text());
      const data = match ? (JSON.parse(match[1] ?? '{}') as { event?: string; totalMs?: number }) : null;
      if (data?.event === 'generate' && typeof data.totalMs === 'number') engineMs.push(Math.round(data.totalMs));
    });
    await page.goto(`${HOST_A}/index.html?embed=${encodeURIComponent(app)}&model=${FIXTURE_ID}&backend=${backend}&steps=4`);
    await expect(page.locator('#host-generate')).toBeEnabled({ timeout: 120_000 });
    await expect(page.locator('#host-log')).toContainText(`ready: version`);
    const timings: number[] = [];
    // WebGPU here is SwiftShader (a CPU emulation, about 1 s a step): one run is enough to show it works.
    test.setTimeout(420_000);
    for (let run = 0; run < (backend === 'wasm' ? 3 : 1); run++) {
      await page.locator('#host-video').evaluate((v) => delete (v as HTMLVideoElement).dataset['ms']);
      await page.locator('#host-generate').click();
      await expect(page.locator('#host-video')).toHaveAttribute('data-ms', /\d+/, { timeout: 240_000 });
      timings.push(Number(await page.locator('#host-video').getAttribute('data-ms')));
    }
    const video = page.locator('#host-video');
    await expect(video).toHaveAttribute('data-frames', '8');
    await expect(video).toHaveAttribute('data-backend', backend);
    expect(Number(await video.getAttribute('data-bytes'))).toBeGreaterThan(1000);
    const head = await video.evaluate(async (v) => new Uint8Array(await (await fetch((v as HTMLVideoElement).src)).arrayBuffer()).slice(4, 8));
    expect(String.fromCharCode(...Object.values(head))).toBe('ftyp');
    const played = await hostPlays(page, '#host-video');
    expect([played.width, played.height]).toEqual([256, 256]);
    expect(played.duration).toBeGreaterThan(0);
    // A figure, not an assertion: from posting `generate` to receiving `result`, as the host page saw it.
    console.log(`[embed timing] ${backend}, fixture pack, 4 steps: generate -> result ${timings.join(' ms, ')} ms; engine total inside the frame ${engineMs.join(' ms, ')} ms`);
  });
}

test('messages from an origin that is not allowed are ignored', async ({ page, baseURL }) => {
  logConsole(page);
  const app = appOrigin(baseURL);
  // The frame allows HOST_A only; this page is HOST_B.
  await openHarness(page, HOST_B, app, { origins: HOST_A });
  await page.evaluate((origin) => {
    const w = window as unknown as HostWindow;
    w.embedWindow().postMessage({ zoetrope: 1, type: 'getStatus', id: 'b1' }, origin);
    w.embedWindow().postMessage({ zoetrope: 1, type: 'generate', id: 'b2', prompt: 'a red ball bouncing' }, origin);
    w.embedWindow().postMessage('garbage', origin);
  }, app);
  const frame = page.frameLocator('#embed');
  await expect(frame.getByTestId('embed-status')).toHaveAttribute('data-ignored', '3');
  const status = await page.evaluate(() => Promise.race([(window as unknown as HostWindow).zoetrope.status().then(() => 'answered'), new Promise((r) => setTimeout(() => r('silent'), 3000))]));
  expect(status).toBe('silent');
  expect((await received(page)).filter((m) => m.data?.zoetrope === 1)).toEqual([]);
  await expect(frame.getByTestId('embed-progress')).toHaveCount(0);
  await expect(frame.getByTestId('embed-result')).toHaveCount(0);
});

test('malformed messages get error replies, and the frame keeps working', async ({ page, baseURL }) => {
  logConsole(page);
  const app = appOrigin(baseURL);
  await openHarness(page, HOST_A, app, { origins: HOST_A });
  await page.evaluate(() => (window as unknown as HostWindow).zoetrope.ready());
  const garbage: unknown[] = [
    'hello',
    42,
    null,
    [1, 2],
    {},
    { zoetrope: 2, type: 'getStatus', id: 'v2' },
    { zoetrope: 1, type: 'explode', id: 'bad-type' },
    { zoetrope: 1, type: 'getStatus' },
    { zoetrope: 1, type: 'generate', id: 'no-prompt' },
    { zoetrope: 1, type: 'generate', id: 'text-steps', prompt: 'a ball', steps: 'many' },
    { zoetrope: 1, type: 'installModel', id: 'js-url', manifestUrl: 'javascript:alert(1)' },
    { zoetrope: 1, type: 'cancel', id: 'nothing-to-cancel' },
    { zoetrope: 1, type: 'generate', id: 'too-many-steps', prompt: 'a ball', steps: 9999 },
    { zoetrope: 1, type: 'generate', id: 'wrong-frames', prompt: 'a ball', frames: 3 },
  ];
  await page.evaluate(([list, origin]) => {
    for (const m of list as unknown[]) (window as unknown as HostWindow).embedWindow().postMessage(m, origin as string);
  }, [garbage, app] as const);
  await expect.poll(async () => (await received(page)).filter((m) => m.data?.type === 'error').length).toBe(garbage.length);
  const errors = (await received(page)).filter((m) => m.data?.type === 'error').map((m) => m.data);
  const byId = (id: unknown) => errors.find((e) => e.id === id);
  expect(errors.filter((e) => e.id === null)).toHaveLength(6);
  for (const e of errors.filter((e) => e.id === null)) expect(e.name).toBe('ProtocolError');
  expect(byId('v2')?.message).toContain('zoetrope: expected the protocol version 1');
  expect(byId('bad-type')?.message).toContain('type: expected one of');
  expect(byId('no-prompt')?.message).toContain('prompt');
  expect(byId('text-steps')?.message).toContain('steps');
  expect(byId('js-url')?.message).toContain('manifestUrl');
  expect(byId('nothing-to-cancel')?.name).toBe('ProtocolError');
  expect(byId('too-many-steps')).toMatchObject({ name: 'OptionsError' });
  expect(byId('too-many-steps')?.message).toContain('steps');
  expect(byId('wrong-frames')).toMatchObject({ name: 'OptionsError' });
  expect(byId('wrong-frames')?.message).toContain('frames');
  // Every reply went to this page's exact origin, and the frame still works.
  for (const m of await received(page)) expect(m.origin).toBe(app);
  const video = await page.evaluate(() => (window as unknown as HostWindow).zoetrope.generate({ prompt: 'a red ball bouncing', seed: 3, steps: 2 }).then((v) => ({ ...v, mp4: v.mp4.byteLength })));
  expect(video).toMatchObject({ frames: 8, width: 256, height: 256, seed: 3, model: `${FIXTURE_ID}@0.1.0`, backend: 'wasm' });
  expect(video.mp4).toBeGreaterThan(1000);
});

test('two queued requests both complete, in order', async ({ page, baseURL }) => {
  logConsole(page);
  await openHarness(page, HOST_A, appOrigin(baseURL), { origins: HOST_A });
  const timeline = await page.evaluate(async () => {
    const { zoetrope } = window as unknown as HostWindow;
    await zoetrope.ready();
    const events: string[] = [];
    const run = (name: string, seed: number) =>
      zoetrope
        .generate({ prompt: 'a blue square moving up', seed, steps: 3 }, { onProgress: (p) => events.push(`${name}:${p.phase}`) })
        .then((v) => (events.push(`${name}:result:${v.seed}:${v.frames}:${v.mp4.byteLength > 1000}`), v.seed));
    const seeds = await Promise.all([run('first', 11), run('second', 22)]);
    return { seeds, events };
  });
  expect(timeline.seeds).toEqual([11, 22]);
  const { events } = timeline;
  const at = (e: string) => events.indexOf(e);
  expect(at('first:result:11:8:true')).toBeGreaterThan(-1);
  expect(at('second:result:22:8:true')).toBeGreaterThan(at('first:result:11:8:true'));
  // The second waited: it reported "queued", and did no work before the first had its result.
  expect(events[at('second:queued')]).toBe('second:queued');
  const secondWork = events.findIndex((e) => e.startsWith('second:') && !e.endsWith(':queued'));
  expect(secondWork).toBeGreaterThan(at('first:result:11:8:true'));
});

test('cancel stops a running request and removes a queued one', async ({ page, baseURL }) => {
  logConsole(page);
  await openHarness(page, HOST_A, appOrigin(baseURL), { origins: HOST_A });
  const outcome = await page.evaluate(async () => {
    const { zoetrope } = window as unknown as HostWindow;
    await zoetrope.ready();
    const long = new AbortController();
    const queued = new AbortController();
    let denoising!: () => void;
    const started = new Promise<void>((resolve) => (denoising = resolve));
    const settle = (p: Promise<unknown>) => p.then(() => 'finished', (e: Error) => e.name);
    const first = settle(zoetrope.generate({ prompt: 'a red ball', steps: 200 }, { signal: long.signal, onProgress: (p) => p.phase === 'denoise' && p.fraction > 0.1 && denoising() }));
    const second = settle(zoetrope.generate({ prompt: 'a green ball', steps: 2 }, { signal: queued.signal }));
    await started;
    queued.abort();
    const secondName = await second;
    const statusWhileRunning = await zoetrope.status();
    long.abort();
    const firstName = await first;
    const after = await zoetrope.generate({ prompt: 'a red ball', seed: 9, steps: 2 });
    return { firstName, secondName, runningWas: statusWhileRunning.running !== null, afterFrames: after.frames };
  });
  expect(outcome).toEqual({ firstName: 'AbortError', secondName: 'AbortError', runningWas: true, afterFrames: 8 });
});

test('the embed never posts to "*": a reply never reaches a window that moved to another origin', async ({ page, baseURL }) => {
  logConsole(page);
  const app = appOrigin(baseURL);
  await openHarness(page, HOST_A, app, { origins: HOST_A });
  // A sibling frame on the allowed origin sends the request, then navigates to HOST_B.
  await page.evaluate(() => {
    (document.getElementById('sibling') as HTMLIFrameElement).src = '/catcher.html';
  });
  await expect.poll(() => page.frames().some((f) => f.url() === `${HOST_A}/catcher.html`)).toBe(true);
  const sibling = page.frames().find((f) => f.url() === `${HOST_A}/catcher.html`)!;
  await sibling.evaluate(([origin, host]) => {
    const embed = (parent as unknown as HostWindow).embedWindow();
    embed.postMessage({ zoetrope: 1, type: 'generate', id: 'from-sibling', prompt: 'a red ball', seed: 1, steps: 150 }, origin);
    location.href = `${host}/catcher.html`;
  }, [app, HOST_B] as const);
  const frame = page.frameLocator('#embed');
  await expect.poll(() => page.frames().some((f) => f.url() === `${HOST_B}/catcher.html`)).toBe(true);
  // The job must still be running once the sibling has moved, or the check below would prove nothing.
  await expect(frame.getByTestId('embed-result')).toHaveCount(0);
  await expect(frame.getByTestId('embed-result')).toHaveAttribute('data-serial', '1', { timeout: 120_000 });
  await page.waitForTimeout(500);
  const moved = page.frames().find((f) => f.url() === `${HOST_B}/catcher.html`)!;
  const caught = await moved.evaluate(() => (window as unknown as { caught: unknown[] }).caught);
  expect(caught).toEqual([]);
  // The harness (the frame's parent) got nothing of the sibling's request either.
  expect((await received(page)).filter((m) => m.data?.id === 'from-sibling')).toEqual([]);
});

test('URL options: Italian, dark theme, hidden settings; a bad parameter is named; the frame\'s own button works', async ({ page, baseURL }) => {
  logConsole(page);
  await page.goto(embedUrl(appOrigin(baseURL), { lang: 'it', theme: 'dark', hide: 'settings', steps: 'abc', seed: '5' }));
  await expect(page.getByTestId('embed-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await expect(page.locator('html')).toHaveAttribute('lang', 'it');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByTestId('embed-seed')).toHaveCount(0);
  const notice = page.getByTestId('embed-error');
  await expect(notice).toHaveAttribute('data-error-name', 'OptionsError');
  await expect(notice).toContainText('Una delle impostazioni non è valida.');
  await expect(notice).toContainText('steps (URL parameter)');
  const button = page.getByTestId('embed-generate');
  await expect(button).toHaveText('Genera il video');
  await page.getByTestId('embed-prompt').fill('una palla rossa');
  await page.getByTestId('embed-prompt').press('Enter');
  await expect(page.getByTestId('embed-result')).toHaveAttribute('data-serial', '1', { timeout: 120_000 });
  await expect(page.getByTestId('embed-result')).toHaveAttribute('data-frames', '8');
  await expect(page.getByTestId('embed-result')).toContainText('seme 5');
});

test('headers: CSP with frame-ancestors on every page; a host outside frame-ancestors cannot frame the embed', async ({ page, baseURL }) => {
  const app = appOrigin(baseURL);
  const embedCsp = (await page.request.get(`${app}/embed.html`)).headers()['content-security-policy'] ?? '';
  expect(embedCsp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(embedCsp).toContain("frame-ancestors 'self' http://localhost:* http://127.0.0.1:*");
  const appCsp = (await page.request.get(`${app}/`)).headers()['content-security-policy'] ?? '';
  expect(appCsp.split('; ').find((d) => d.startsWith('frame-ancestors'))).toBe("frame-ancestors 'self'");
  const client = await page.request.get(`${app}/embed/zoetrope-client.js`);
  expect(client.headers()['access-control-allow-origin']).toBe('*');
  expect(await client.text()).toContain('class ZoetropeEmbed');

  // [::1] is a loopback origin that the preview server's frame-ancestors does not list.
  const refusals: string[] = [];
  page.on('console', (m) => m.text().includes('frame-ancestors') && refusals.push(m.text()));
  const { startStaticServer } = await import('../../scripts/serve-example.mjs');
  const server = await startStaticServer({ root: 'examples/host', port: 4394, host: '::1', pages: { '/frame.html': `<!doctype html><iframe src="${embedUrl(app, { origins: '*' })}"></iframe>` } });
  try {
    await page.goto('http://[::1]:4394/frame.html');
    await expect.poll(() => refusals.length).toBeGreaterThan(0);
    expect(page.frames().some((f) => f.url().startsWith(`${app}/embed.html`) && f.url() !== 'about:blank')).toBe(false);
  } finally {
    await new Promise((done) => server.close(done));
  }
});

test('installPack: a host on another origin supplies a .zoepack; the frame checks it, switches to it and generates; a cut-short file is refused and the old model keeps working', async ({ page, baseURL }) => {
  logConsole(page);
  test.setTimeout(240_000);
  // Version 0.2.0 of the TEST FIXTURE pack, packed into a .zoepack with the CLI, as a school's IT person would.
  const updated = makeUpdatedFixturePack();
  const packFile = join(updated.dir, '..', 'fixture-0.2.0.zoepack');
  try {
    expect(spawnSync(process.execPath, ['scripts/zoepack.mjs', 'pack', updated.dir, '--out', packFile]).status).toBe(0);
    const bytes = readFileSync(packFile);
    const app = appOrigin(baseURL);
    await openHarness(page, HOST_A, app, { origins: HOST_A });

    const outcome = await page.evaluate(async (b64) => {
      const { zoetrope } = window as unknown as HostWindow;
      const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      // A cut-short copy, as an ArrayBuffer (transferred): refused, nothing switched.
      const cut = raw.slice(0, Math.floor(raw.byteLength * 0.6)).buffer;
      const refused = await zoetrope.installPack(cut).then(() => null, (e: Error) => ({ name: e.name, message: e.message }));
      const after = await zoetrope.status();
      // The whole file, as a File (what an <input type=file> gives).
      const fractions: number[] = [];
      const model = await zoetrope.installPack(new File([raw], 'fixture-0.2.0.zoepack'), { onProgress: (p) => fractions.push(p.fraction) });
      const video = await zoetrope.generate({ prompt: 'a red ball moving left', seed: 4, steps: 2 });
      return { refused, modelAfterRefusal: after.model, stateAfterRefusal: after.state, model, fractions, video: { ...video, mp4: video.mp4.byteLength } };
    }, bytes.toString('base64'));

    expect(outcome.refused?.name).toBe('PackFileError');
    expect(outcome.modelAfterRefusal).toBe(`${FIXTURE_ID}@0.1.0`);
    expect(outcome.stateAfterRefusal).toBe('ready');
    expect(outcome.model).toBe(`${FIXTURE_ID}@0.2.0`);
    expect(outcome.fractions.length).toBeGreaterThan(1);
    expect(outcome.fractions).toEqual([...outcome.fractions].sort((x, y) => x - y)); // Progress never goes back.
    expect(outcome.fractions.at(-1)).toBe(1);
    expect(outcome.video).toMatchObject({ model: `${FIXTURE_ID}@0.2.0`, frames: 8, width: 256, height: 256, seed: 4 });
    expect(outcome.video.mp4).toBeGreaterThan(1000);
    // Every reply, the errors included, went to the host's exact origin.
    for (const m of await received(page)) expect(m.origin).toBe(app);
    await expect(page.frameLocator('#embed').getByTestId('embed-status')).toHaveAttribute('data-state', 'ready');

    // A second visit, now through the frame's service worker: embed.html?… is still the embed (not
    // the app's page, which frame-ancestors would block), and the pack the host sent is still there.
    await page.frames().find((f) => f.url().includes('/embed.html'))!.evaluate(async () => void (await navigator.serviceWorker.ready));
    await page.reload();
    await expect(page.frameLocator('#embed').getByTestId('embed-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
    const again = await page.evaluate(async () => (window as unknown as HostWindow).zoetrope.status());
    expect(again.model).toBe(`${FIXTURE_ID}@0.2.0`);
  } finally {
    updated.cleanup();
  }
});
