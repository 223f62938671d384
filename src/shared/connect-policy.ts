// Owns the answer to "may the app download from this address?", the same
// one the browser gives through the Content-Security-Policy's connect-src:
// 'self', the deployer's ZOETROPE_CSP_CONNECT list (vite/security-headers.ts
// writes it into the build's policy) and the origins the user allowed (the
// service worker adds them to the policy of each page it serves, see
// src/shared/allowed-origin.ts). The page reads the policy it actually runs
// under (src/lib/download-policy.ts), so app and browser cannot disagree.
// The browser enforces the policy anyway; asking first lets the app say *why*
// a pack cannot be fetched, where a blocked fetch only says "Failed to fetch".
// It implements the CSP source grammar that list may use: 'self', *, a
// scheme ("https:"), or a host with an optional scheme, "*." prefix and port.
// No DOM, so vite/ and the unit tests use it too.

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443' };

function portOf(url: URL): string {
  return url.port || DEFAULT_PORTS[url.protocol] || '';
}

/** Does one CSP source expression allow `url`? `self` is the app's origin. */
export function sourceAllows(source: string, url: URL, self: URL): boolean {
  const s = source.trim().toLowerCase();
  if (s === "'self'") return url.origin === self.origin || (self.protocol === 'http:' && url.protocol === 'https:' && url.host === self.host);
  if (s === '*') return ['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol);
  if (/^[a-z][a-z0-9+.-]*:$/.test(s)) return url.protocol === s || (s === 'http:' && url.protocol === 'https:');
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.)?([a-z0-9.-]+|\*)(?::(\d+|\*))?(\/.*)?$/.exec(s);
  if (!m) return false;
  const [, scheme, wildcard, host, port] = m;
  const wantScheme = scheme ? `${scheme}:` : self.protocol;
  if (url.protocol !== wantScheme && !(wantScheme === 'http:' && url.protocol === 'https:')) return false;
  const hostname = url.hostname.toLowerCase();
  if (host !== '*') {
    if (wildcard ? !hostname.endsWith(`.${host}`) : hostname !== host) return false;
  }
  if (port === '*') return true;
  return (port ?? DEFAULT_PORTS[wantScheme] ?? '') === portOf(url);
}

/** Is `url` allowed by `'self' <sources>` for a page at `selfHref`? */
export function connectAllowed(url: string, sources: string, selfHref: string): boolean {
  let target: URL;
  let self: URL;
  try {
    self = new URL(selfHref);
    target = new URL(url, self);
  } catch {
    return false;
  }
  return ["'self'", ...sources.split(/\s+/).filter(Boolean)].some((s) => sourceAllows(s, target, self));
}

/**
 * The connect-src sources of a policy, as the browser reads them: the first
 * connect-src directive, else default-src; null when the policy sets neither
 * (then it does not limit connections at all).
 */
export function connectSourcesOf(policy: string): string | null {
  const directives = new Map<string, string>();
  for (const directive of policy.split(';')) {
    const [name, ...sources] = directive.trim().split(/\s+/);
    const key = name?.toLowerCase() ?? '';
    if (key && !directives.has(key)) directives.set(key, sources.join(' '));
  }
  return directives.get('connect-src') ?? directives.get('default-src') ?? null;
}
