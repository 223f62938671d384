// Jobs under rough handling, with the TEST FIXTURE pack on WASM: pressing
// Generate 20 times fast never runs two jobs at once (the engine would refuse
// the second with "Another video is already being generated", which shows as
// an error), and closing the tab in the middle of a download or a generation
// leaves a store that is consistent: only verified shards, the model counted
// as installed only when complete, and the next visit carries on.
import { expect, test, type Page } from '@playwright/test';
import { appUrl, expectValidFixtureVideo, FIXTURE_SHARDS, generate, logConsole, waitReady } from './helpers';
import { storeFacts } from './store-facts';

const FIXTURE_KEY = 'zoetrope-fixture-tiny@0.1.0';

/** Counts the page's "generate finished" timing lines and any error it logs. */
function watchJobs(page: Page): { finished: number; errors: string[] } {
  const seen = { finished: 0, errors: [] as string[] };
  page.on('console', (msg) => {
    const text = msg.text();
    if (text.startsWith('[zoetrope:timing] {"event":"generate"')) seen.finished++;
    if (/^\[zoetrope\] (?!Trying again)/.test(text)) seen.errors.push(text);
  });
  return seen;
}

test('pressing Enter 20 times fast makes one video; clicking the button 20 times fast never interleaves two jobs', async ({ page }) => {
  logConsole(page);
  const jobs = watchJobs(page);
  await page.goto(appUrl('wasm'));
  await waitReady(page);
  await page.getByTestId('prompt').fill('a red ball bouncing on the grass');
  // Long enough (200 steps, several seconds) that all 20 presses land while the first job runs, even on a busy machine.
  await page.getByTestId('steps').fill('200');
  await page.getByTestId('prompt').focus();
  for (let i = 0; i < 20; i++) await page.keyboard.press('Enter');
  await expect(page.getByTestId('job-progress')).toContainText(/Step \d+ of 200/);
  await expect(page.getByTestId('job')).toBeHidden({ timeout: 120_000 });
  await expect(page.getByTestId('result')).toHaveAttribute('data-serial', '1');
  await expect(page.getByTestId('result')).toHaveAttribute('data-checked', 'yes');
  expect(jobs.finished).toBe(1); // The other 19 presses were refused while the job ran.

  // The button is Generate, then Cancel while a job runs: 20 fast clicks start and cancel jobs in turn.
  await page.getByTestId('steps').fill('30');
  const button = page.getByTestId('generate');
  for (let i = 0; i < 20; i++) await button.click({ timeout: 10_000 });
  await expect(page.getByTestId('job')).toBeHidden({ timeout: 60_000 });
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('error')).toHaveCount(0);
  expect(jobs.errors).toEqual([]);
  const serial = Number(await page.getByTestId('result').getAttribute('data-serial'));
  console.log(`[figures] 20 fast clicks: ${jobs.finished - 1} job(s) ran to the end, the rest were cancelled; no error`);

  // And the page still works: one more job, one more video.
  const facts = await generate(page, { prompt: 'a blue square moving up', seed: 3, steps: 2 });
  expectValidFixtureVideo(facts);
  await expect(page.getByTestId('result')).toHaveAttribute('data-serial', String(serial + 1));
  expect(jobs.errors).toEqual([]);
});

test('closing the tab mid-download and mid-generation, then reopening: the store stays consistent and the app carries on', async ({ context }) => {
  // Slow shards (content untouched) so the tab can be closed half-way through the install.
  await context.route('**/shards/*', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    await route.continue().catch(() => {}); // The page may be gone by now.
  });
  const first = await context.newPage();
  logConsole(first);
  await first.goto(appUrl('wasm'));
  await expect(first.getByTestId('install-progress')).toContainText(new RegExp(`piece [3-${FIXTURE_SHARDS - 1}] of ${FIXTURE_SHARDS}`), { timeout: 60_000 });
  await first.close();
  await context.unrouteAll({ behavior: 'ignoreErrors' });

  // Look at the store from a page of the same origin that is not the app, so nothing changes it meanwhile.
  const look = await context.newPage();
  await look.goto('/favicon.svg');
  const half = await storeFacts(look);
  console.log(`[figures] closed mid-download: ${half.keys.length} of ${FIXTURE_SHARDS} shards kept, all verified: ${half.verified === half.keys.length}`);
  expect(half.records).toEqual([]); // Not installed: the record is written only when every shard is there.
  expect(half.keys.length).toBeGreaterThan(0);
  expect(half.verified).toBe(half.keys.length);

  const second = await context.newPage();
  logConsole(second);
  const fetched: string[] = [];
  second.on('request', (r) => {
    if (r.url().includes('/shards/')) fetched.push(r.url());
  });
  await second.goto(appUrl('wasm'));
  await waitReady(second);
  expect(fetched).toHaveLength(FIXTURE_SHARDS - half.keys.length); // Only the missing shards.
  const whole = await storeFacts(second);
  expect(whole.records).toEqual([FIXTURE_KEY]);
  expect([whole.keys.length, whole.verified, whole.partials]).toEqual([FIXTURE_SHARDS, FIXTURE_SHARDS, 0]);

  // Mid-generation: a long job, then the tab closes.
  await second.getByTestId('prompt').fill('a green triangle orbiting');
  await second.getByTestId('steps').fill('200');
  await second.getByTestId('generate').click();
  await expect(second.getByTestId('job-progress')).toContainText(/Step [3-9]\d* of 200/);
  await second.close();

  const third = await context.newPage();
  logConsole(third);
  await third.goto(appUrl('wasm'));
  await waitReady(third);
  expect(await storeFacts(third)).toEqual(whole);
  expectValidFixtureVideo(await generate(third, { prompt: 'a green triangle orbiting', seed: 1, steps: 2 }));
});
