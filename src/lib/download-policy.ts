// Owns the page's side of "may Zoetrope download from this address?".
//  - What is allowed *now* is read from the policy this page runs under: its
//    <meta> Content-Security-Policy, which the build writes and the service
//    worker widened with the user's origins when it served the page (in dev,
//    where no meta is written, the build's list). That is the policy the
//    browser enforces, so the app's answer and the browser's cannot differ.
//  - An origin the user allowed counts from the next page load; until then,
//    or when no service worker served the page, it is "stored" and the app
//    says what is missing instead of letting the browser fail silently.
//  - Allowing one: store it (src/lib/allowed-origins.ts), note what to resume,
//    and load the page again.

import { ZoetropeError } from '../shared/errors';
import { allowableOriginOf } from '../shared/allowed-origin';
import { connectAllowed, connectSourcesOf } from '../shared/connect-policy';
import { addAllowedOrigin, listAllowedOrigins } from './allowed-origins';

/** The connect-src sources this page runs under ('self' included). */
export function sourcesInEffect(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[http-equiv="Content-Security-Policy" i]');
  if (meta) return connectSourcesOf(meta.content) ?? '*';
  return `'self' ${typeof __ZOETROPE_CSP_CONNECT__ === 'string' ? __ZOETROPE_CSP_CONNECT__ : ''}`.trim();
}

/** May this page fetch `url` under the policy it runs under? */
export function downloadAllowed(url: string): boolean {
  return connectAllowed(url, sourcesInEffect(), location.href);
}

export type Permission =
  | { state: 'allowed' }
  /** Not allowed; the user may allow it. */
  | { state: 'allowable'; origin: string }
  /** The user allowed it, but this page's policy does not include it (not reloaded, or not served by the service worker). */
  | { state: 'stored'; origin: string }
  /** Not allowed, and no user may allow it (plain http to another machine, a strange address): `reason` says why. */
  | { state: 'refused'; origin: string; reason: string };

export async function downloadPermission(url: string): Promise<Permission> {
  if (downloadAllowed(url)) return { state: 'allowed' };
  let origin: string;
  try {
    origin = allowableOriginOf(url, location.href);
  } catch (error) {
    let shown = url;
    try {
      shown = new URL(url, location.href).origin;
    } catch {
      // Not even a URL: show it as typed.
    }
    return { state: 'refused', origin: shown, reason: (error as Error).message };
  }
  const stored = await listAllowedOrigins().catch(() => [] as string[]);
  return stored.includes(origin) ? { state: 'stored', origin } : { state: 'allowable', origin };
}

/** The DownloadError for an address this page may not fetch; `blockedByPolicy` and `permission` tell the UI which. */
export function blockedError(url: string, permission: Exclude<Permission, { state: 'allowed' }>): ZoetropeError {
  const { origin } = permission;
  const sources = sourcesInEffect().split(/\s+/).filter((s) => s && s !== "'self'");
  const message =
    permission.state === 'allowable'
      ? `This page's Content-Security-Policy does not allow downloads from ${origin} yet.`
      : permission.state === 'stored'
        ? `${origin} is allowed, but this page was not loaded through Zoetrope's service worker, so its Content-Security-Policy does not include it.`
        : `This copy of Zoetrope may download models only from ${[location.origin, ...sources].join(', ')} (its Content-Security-Policy), not from ${origin}; ${permission.reason}`;
  return new ZoetropeError('DownloadError', message, { url, origin, blockedByPolicy: true, permission: permission.state });
}

/** Throws blockedError unless this page may fetch `url`. */
export async function assertDownloadAllowed(url: string): Promise<void> {
  const permission = await downloadPermission(url);
  if (permission.state !== 'allowed') throw blockedError(url, permission);
}

/**
 * Whether the next load of this page will come from the service worker, the
 * only thing that can add an origin to a page's policy: 'unsupported' when
 * this browser (or this window: private modes, an insecure address) has none.
 */
export async function policyWorkerState(): Promise<'ready' | 'starting' | 'unsupported'> {
  if (!('serviceWorker' in navigator)) return 'unsupported';
  try {
    const registration = await navigator.serviceWorker.getRegistration();
    return registration?.active ? 'ready' : 'starting';
  } catch {
    return 'unsupported';
  }
}

const RESUME_KEY = 'zoetrope.afterAllow';

/** Stores the origin, remembers `resumeUrl` for the next load, and loads `next` (the page again). */
export async function allowOriginAndReload(origin: string, resumeUrl: string, next: string): Promise<void> {
  await addAllowedOrigin(origin);
  try {
    if (resumeUrl) sessionStorage.setItem(RESUME_KEY, resumeUrl);
  } catch {
    // Blocked storage: the person types the address again.
  }
  location.replace(next);
}

/** The manifest URL the page was reloaded for, once (then forgotten). */
export function takeResumeAfterAllow(): string | null {
  try {
    const url = sessionStorage.getItem(RESUME_KEY);
    sessionStorage.removeItem(RESUME_KEY);
    return url;
  } catch {
    return null;
  }
}
