// The service worker (built by vite-plugin-pwa's injectManifest into
// dist/sw.js). It owns two things:
//  - the offline app shell, exactly as before: every file of the build is
//    precached, any address of the app opens the precached index.html (not
//    /models/ or /ort/), a precached page answers whatever its query, and a
//    new build takes over at once;
//  - the origins the user allowed for model downloads: each *page* it serves
//    (index.html, embed.html: navigations only) gets them added to connect-src,
//    both in the Content-Security-Policy header it was cached with and in its
//    <meta> policy. A page can never widen its own policy (a meta tag added
//    later only narrows it), but the response that creates the page can, and
//    for a page under this worker that response comes from here.
// It adds nothing to any other response and makes no request of its own.

import { clientsClaim } from 'workbox-core';
import { addPlugins, cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { listAllowedOrigins } from '../lib/allowed-origins';
import { widenPageHtml, widenPolicy } from '../shared/allowed-origin';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | PrecacheEntry)[] };

/** The page as cached, with the user's origins added to its policies; unchanged when there are none. */
async function widenPage(response: Response): Promise<Response> {
  if (!/html/i.test(response.headers.get('content-type') ?? '')) return response;
  let allowed: string[];
  try {
    allowed = await listAllowedOrigins();
  } catch {
    return response; // IndexedDB unavailable: the build's policy stands, which is the safe side.
  }
  if (allowed.length === 0) return response;
  const headers = new Headers(response.headers);
  const policy = headers.get('content-security-policy');
  if (policy) headers.set('content-security-policy', widenPolicy(policy, allowed));
  // The body changes length, and the cache holds it already decoded.
  headers.delete('content-length');
  headers.delete('content-encoding');
  const html = widenPageHtml(await response.text(), allowed);
  return new Response(html, { status: response.status, statusText: response.statusText, headers });
}

self.skipWaiting();
clientsClaim();

addPlugins([
  {
    // Runs for every precache answer. createHandlerBoundToURL swaps the request for
    // index.html's, so whether it is a page is read from the fetch event itself.
    handlerWillRespond: async ({ event, response }) => {
      const navigation = event instanceof FetchEvent && event.request.mode === 'navigate';
      return navigation ? widenPage(response) : response;
    },
  },
]);

// A precached page answers whatever its query: /embed.html?model=…&origins=… is embed.html.
// Workbox ignores only utm_* and fbclid by default, so such an address fell through to
// index.html, which frame-ancestors 'self' then blocked in a host's frame on its second visit.
precacheAndRoute(self.__WB_MANIFEST, { ignoreURLParametersMatching: [/./] });
cleanupOutdatedCaches();
// Every address of the app (?model=…, ?view=library) opens the same page.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/models\//, /^\/ort\//] }));
