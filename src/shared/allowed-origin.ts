// Owns what an origin that a *user* allows for model downloads may be, and
// how such origins enter a Content-Security-Policy. The service worker
// (src/sw/sw.ts) widens the connect-src of every page it serves with the
// list src/lib/allowed-origins.ts keeps; this file is the only code that
// writes into a policy at run time, so it is strict on purpose: an entry is
// one exact origin, `https://host[:port]`, or plain http only on this
// machine's loopback addresses (localhost, 127.x.x.x; browsers treat them as
// secure, and the tests serve packs there). No wildcard, no scheme-only
// source, no path, no keyword: nothing with a quote, semicolon, comma or
// space can reach a policy, so no entry can add or change a directive.
// Pure string work, no DOM: the service worker and the unit tests use it.

import { ZoetropeError } from './errors';

// One DNS label (the URL parser has already lower-cased and punycoded it).
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const SHAPE = /^(https?):\/\/([^/?#:@]+)(?::(\d{1,5}))?$/;
const LOOPBACK = /^(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

function refuse(text: string, why: string): ZoetropeError {
  return new ZoetropeError('OptionsError', `origin: expected ${why}, got ${JSON.stringify(text.slice(0, 120))}.`, { field: 'origin' });
}

/**
 * Returns `text` when it is an origin a user may allow, else throws an
 * OptionsError saying why. It must already be in the browser's own form
 * (`new URL(x).origin`): lower case, no default port, no trailing slash.
 */
export function validateOrigin(text: string): string {
  if (typeof text !== 'string') throw refuse(String(text), 'an origin such as https://models.example');
  const shape = SHAPE.exec(text);
  if (!shape || text.length > 300) throw refuse(text, 'an origin such as https://models.example (a scheme, a host and maybe a port, nothing else)');
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw refuse(text, 'an origin such as https://models.example');
  }
  if (parsed.origin !== text) throw refuse(text, `the origin in its usual form, ${parsed.origin}`);
  const [, scheme, host] = shape;
  if (!HOSTNAME.test(host!)) throw refuse(text, 'a host name of letters, digits, dots and hyphens');
  if (scheme === 'http' && !LOOPBACK.test(host!)) throw refuse(text, 'https (plain http only for this machine: localhost or 127.x.x.x)');
  return text;
}

export function isValidOrigin(text: string): boolean {
  try {
    validateOrigin(text);
    return true;
  } catch {
    return false;
  }
}

/** The origin of a manifest URL, if a user may allow it; else the OptionsError that says why not. */
export function allowableOriginOf(url: string, base?: string): string {
  let origin: string;
  try {
    origin = new URL(url, base).origin;
  } catch {
    throw refuse(url, 'a web address');
  }
  return validateOrigin(origin);
}

/**
 * Adds `origins` to the connect-src directive of a policy header value (a
 * comma-separated list of policies: each one that has connect-src gets them).
 * Invalid entries are dropped, not written. A policy without connect-src is
 * left as it is: its default-src then governs, and inventing a connect-src
 * could widen more than asked.
 */
export function widenPolicy(header: string, origins: readonly string[]): string {
  const add = [...new Set(origins.filter(isValidOrigin))];
  if (add.length === 0) return header;
  return header
    .split(',')
    .map((policy) => {
      let done = false;
      return policy
        .split(';')
        .map((directive) => {
          const words = directive.trim().split(/\s+/);
          // Only the first connect-src of a policy counts; the browser ignores repeats.
          if (done || words[0]?.toLowerCase() !== 'connect-src') return directive;
          done = true;
          const sources = words.slice(1).filter((s) => s.toLowerCase() !== "'none'");
          const lead = /^\s*/.exec(directive)![0];
          return `${lead}${['connect-src', ...sources, ...add.filter((o) => !sources.includes(o))].join(' ')}`;
        })
        .join(';');
    })
    .join(',');
}

const DECODE: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&#39;': "'", '&#x27;': "'", '&lt;': '<', '&gt;': '>' };

function decodeAttribute(value: string): string {
  return value.replace(/&(?:amp|quot|#39|#x27|lt|gt);/g, (entity) => DECODE[entity]!);
}

function encodeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Widens every `<meta http-equiv="Content-Security-Policy" content="…">` of a page (double-quoted attributes, as the build writes them). */
export function widenPageHtml(html: string, origins: readonly string[]): string {
  return html.replace(/<meta\b[^>]*>/gi, (tag) => {
    if (!/\shttp-equiv\s*=\s*"content-security-policy"/i.test(tag)) return tag;
    return tag.replace(/(\scontent\s*=\s*")([^"]*)"/i, (_, start: string, value: string) => `${start}${encodeAttribute(widenPolicy(decodeAttribute(value), origins))}"`);
  });
}
