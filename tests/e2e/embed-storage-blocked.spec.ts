// The embed under the browser's default: Chromium 156 blocks third-party
// cookies and, with them, every kind of storage of a frame from another site.
// The frame cannot install a model there; it must say so plainly, offer the
// app in its own tab, and answer the host with StorageUnavailableError.
import { expect, test } from '@playwright/test';
import type { ZoetropeEmbed } from '../../src/embed/client';
import { embedUrl, HOST_A, startHosts } from './embed-hosts';
import { logConsole } from './helpers';

type HostWindow = Window & { zoetrope: ZoetropeEmbed };

let stopHosts: () => Promise<void> = async () => {};
test.beforeAll(async () => {
  stopHosts = await startHosts();
});
test.afterAll(async () => stopHosts());

test('the frame says storage is blocked, offers its own tab, and the host gets StorageUnavailableError', async ({ page, baseURL }) => {
  logConsole(page);
  const app = new URL(baseURL!).origin;
  await page.goto(`${HOST_A}/harness.html?src=${encodeURIComponent(embedUrl(app, { origins: HOST_A }))}`);
  const frame = page.frameLocator('#embed');
  await expect(frame.getByTestId('embed-status')).toHaveAttribute('data-state', 'failed');
  await expect(frame.getByTestId('embed-error')).toHaveAttribute('data-error-name', 'StorageUnavailableError');
  await expect(frame.getByTestId('embed-open-tab')).toHaveAttribute('href', `${app}/`);
  const names = await page.evaluate(async () => {
    const { zoetrope } = window as unknown as HostWindow;
    const failed = (p: Promise<unknown>) => p.then(() => 'finished', (e: Error) => e.name);
    return { ready: await failed(zoetrope.ready()), generate: await failed(zoetrope.generate({ prompt: 'a red ball' })) };
  });
  expect(names).toEqual({ ready: 'StorageUnavailableError', generate: 'StorageUnavailableError' });
});
