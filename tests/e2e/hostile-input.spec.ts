// Bad input from people and files, in the real app with the TEST FIXTURE
// pack on WASM: prompts that are empty, 100,000 characters long, HTML and
// script, emoji, right-to-left; .zoepack files that are zero bytes, not a
// ZIP, a compressed ZIP, a ZIP without a manifest, or a pack with a hostile
// manifest. Each is refused with a message that names the problem, or works;
// nothing typed or read is ever rendered as HTML.
import { expect, test, type Page } from '@playwright/test';
import { zipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { appUrl, expectValidFixtureVideo, FIXTURE_MANIFEST, generate, logConsole, waitReady } from './helpers';
import { storeFacts } from './store-facts';

const XSS = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b id="injected">bold</b>`;

/** Nothing from the prompt became markup, and no injected script ran. */
async function expectNoMarkup(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  await expect(page.locator('#injected')).toHaveCount(0);
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
}

test('prompts: empty is refused with the reason, 100,000 characters names the field, HTML/script, emoji and RTL generate as plain text', async ({ page }) => {
  logConsole(page);
  test.setTimeout(240_000);
  await page.goto(appUrl('wasm'));
  await waitReady(page);

  await page.getByTestId('prompt').fill('   ');
  await expect(page.getByTestId('generate')).toBeDisabled();
  await expect(page.locator('#busy-reason')).toHaveText('Type a prompt first.');

  // Typing or pasting stops at the box's limit; a value set by a script is checked again on Generate.
  await page.getByTestId('prompt').fill('a'.repeat(498));
  await page.getByTestId('prompt').pressSequentially(' red ball', { delay: 0 });
  expect((await page.getByTestId('prompt').inputValue()).length).toBe(500);
  await page.getByTestId('prompt').evaluate((el, text) => {
    (el as HTMLTextAreaElement).value = text;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, 'a red ball bouncing '.repeat(5000));
  await page.getByTestId('generate').click();
  const error = page.getByTestId('error');
  await expect(error).toHaveAttribute('data-error-name', 'OptionsError');
  await expect(error).toContainText('prompt: expected at most 500 characters, got "100000 characters"');
  await expect(page.getByTestId('job')).toHaveCount(0);

  for (const prompt of [XSS, 'a red ball 🟥🎈 bouncing 🚀', 'כדור אדום קופץ على الشاطئ \u202Egnicnuob\u202C']) {
    const facts = await generate(page, { prompt, seed: 7, steps: 2 });
    expectValidFixtureVideo(facts);
    await expectNoMarkup(page);
    const name = await page.getByTestId('download').getAttribute('download');
    expect(name).toMatch(/^[a-z0-9-]+-seed7-zoetrope-fixture-tiny\.mp4$/);
  }
  // The prompt check shows the HTML prompt's words as text, marked, never as elements.
  await page.getByTestId('prompt').fill(XSS);
  await expect(page.getByTestId('prompt-marked')).toContainText('onerror');
  await expectNoMarkup(page);
});

test('.zoepack files: zero bytes, not a ZIP, compressed, no manifest, hostile manifest: each refused with the reason, nothing stored', async ({ page, baseURL }) => {
  logConsole(page);
  const remote = `${baseURL!.replace('127.0.0.1', 'localhost')}${FIXTURE_MANIFEST}`;
  await page.goto(`/?view=library&backend=wasm&model=${encodeURIComponent(remote)}`);
  await expect(page.getByTestId('library-empty')).toBeVisible();

  const manifest = JSON.parse(readFileSync('tests/fixtures/fixture-pack/manifest.json', 'utf8')) as Record<string, unknown>;
  const hostile = { ...manifest, name: '<img src=x onerror="window.__pwned=1">', files: [{ path: '../../etc/passwd', size: 1, sha256: 'a'.repeat(64), shards: [{ sha256: 'a'.repeat(64), size: 1 }] }], totalBytes: 1 };
  const stored = (files: Record<string, Uint8Array>) => zipSync(files, { level: 0 });
  const cases: { name: string; bytes: Uint8Array; says: string }[] = [
    { name: 'empty.zoepack', bytes: new Uint8Array(0), says: 'too short to be a .zoepack' },
    { name: 'notes.zoepack', bytes: new TextEncoder().encode('These are my lesson notes, not a model. '.repeat(20)), says: 'not a .zoepack' },
    { name: 'compressed.zoepack', bytes: zipSync({ 'manifest.json': new TextEncoder().encode(JSON.stringify(manifest)) }, { level: 9 }), says: 'compressed' },
    { name: 'photos.zoepack', bytes: stored({ 'photo.txt': new TextEncoder().encode('hello') }), says: 'no manifest.json' },
    { name: 'hostile.zoepack', bytes: stored({ 'manifest.json': new TextEncoder().encode(JSON.stringify(hostile)) }), says: 'files[0].path: expected a relative path' },
  ];
  for (const c of cases) {
    await page.getByTestId('import-file').setInputFiles({ name: c.name, mimeType: 'application/zip', buffer: Buffer.from(c.bytes) });
    const error = page.getByTestId('error').last();
    await expect(error).toHaveAttribute('data-error-name', 'PackFileError');
    await expect(error).toContainText(c.says);
    await expectNoMarkup(page);
  }
  const facts = await storeFacts(page);
  expect([facts.keys.length, facts.records.length, facts.partials]).toEqual([0, 0, 0]);
  await expect(page.getByTestId('library-empty')).toBeVisible();
});
