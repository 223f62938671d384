// Owns the plain answer to "may this browser delete the installed models on
// its own?", from facts the page can read (user agent, installed as an app,
// persistent storage). Safari removes a site's script-written storage
// (IndexedDB, Cache Storage, service worker) after 7 days of browser use
// without a visit to the site, unless the site runs as a Home Screen / Dock
// app; other browsers delete non-persistent storage only under disk pressure.
// Either way the way out is the same: a .zoepack backup, imported again later.
// Pure, so that the Safari user agents can be unit-tested here without Safari.

export type EvictionRisk =
  | { kind: 'safari-7-days'; sentence: string }
  | { kind: 'disk-pressure'; sentence: string };

export interface EvictionFacts {
  userAgent: string;
  /** The page runs as an installed app (display-mode standalone, or iOS's navigator.standalone). */
  standalone: boolean;
  /** navigator.storage.persisted(); null where the browser cannot say. */
  persisted: boolean | null;
}

const BACKUP = 'To keep a model safe, use "Export .zoepack" below: it saves the model as one file that you can import again later, even offline.';

/** Safari proper, on macOS, iPadOS or iOS: WebKit's Safari token without another browser's own token. */
export function isSafari(userAgent: string): boolean {
  return /\bVersion\/[\d.]+.*\bSafari\//.test(userAgent) && !/\b(Chrome|Chromium|CriOS|FxiOS|EdgiOS|Edg|OPR|Firefox|SamsungBrowser)\//.test(userAgent);
}

export function evictionRisk(facts: EvictionFacts): EvictionRisk | null {
  if (isSafari(facts.userAgent) && !facts.standalone) {
    return {
      kind: 'safari-7-days',
      sentence: `Safari deletes this site's data, installed models included, after 7 days in which you use Safari but not Zoetrope. Adding Zoetrope to the Home Screen (iPad, iPhone) or to the Dock (Mac) stops that. ${BACKUP}`,
    };
  }
  if (facts.persisted === false) {
    // The library's storage line already says that the browser may delete it when the disk fills up.
    return { kind: 'disk-pressure', sentence: BACKUP };
  }
  return null;
}

/** The facts of this page. */
export function pageEvictionFacts(persisted: boolean | null): EvictionFacts {
  const standalone = matchMedia('(display-mode: standalone)').matches || (navigator as { standalone?: boolean }).standalone === true;
  return { userAgent: navigator.userAgent, standalone, persisted };
}
