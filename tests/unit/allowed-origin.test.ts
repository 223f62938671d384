// Origins a user allows (src/shared/allowed-origin.ts): only exact https
// origins (plain http only on loopback) pass, and widening a policy with any
// input at all changes connect-src only, never another directive. The
// widened policy is read back by the same connect-src reader the page uses
// (src/shared/connect-policy.ts), so the app and the policy agree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowableOriginOf, isValidOrigin, validateOrigin, widenPageHtml, widenPolicy } from '../../src/shared/allowed-origin';
import { connectAllowed, connectSourcesOf } from '../../src/shared/connect-policy';
import { contentSecurityPolicy } from '../../vite/security-headers';

const SELF = 'https://zoetrope.example/index.html';
const INPUTS = { embedOrigins: '', connect: '', dev: false };

/** Directive name → its sources, in order. */
function directives(policy: string): [string, string][] {
  return policy
    .split(';')
    .map((d) => d.trim().split(/\s+/))
    .filter((w) => w[0])
    .map(([name, ...rest]) => [name!, rest.join(' ')]);
}

describe('validateOrigin', () => {
  it('accepts exact https origins, and http only on loopback', () => {
    for (const ok of ['https://models.example', 'https://models.example:8443', 'https://cdn.models.example', 'https://10.1.2.3', 'https://xn--bcher-kva.example', 'http://127.0.0.1:5000', 'http://127.0.0.2:41234', 'http://localhost:3000', 'http://localhost']) {
      expect(validateOrigin(ok)).toBe(ok);
    }
  });

  it('refuses wildcards, paths, keywords, quotes, separators and plain http elsewhere, naming the problem', () => {
    const bad = [
      'http://models.example',
      'http://192.168.1.2:8000',
      'https://*.models.example',
      '*',
      'https:',
      "'self'",
      "'unsafe-inline'",
      'https://models.example/',
      'https://models.example/packs',
      'https://models.example?x=1',
      'https://models.example#x',
      'https://models.example:443',
      'https://Models.Example',
      'https://user@models.example',
      'https://user:pw@models.example',
      'https://models.example; script-src *',
      "https://a'b.example",
      'https://a;b.example',
      'https://a,b.example',
      'https://a b.example',
      'https://-a.example',
      'https://a..example',
      'https://[::1]',
      ' https://models.example',
      'https://models.example\n',
      'ftp://models.example',
      'ws://localhost:1',
      'javascript:alert(1)',
      'data:text/html,x',
      'blob:https://models.example/1',
      'null',
      '',
      `https://${'a'.repeat(300)}.example`,
    ];
    for (const text of bad) {
      expect(() => validateOrigin(text), text).toThrow(/^origin: expected/);
      expect(isValidOrigin(text), text).toBe(false);
    }
    expect(() => validateOrigin('http://models.example')).toThrow(/https \(plain http only for this machine/);
    expect(() => validateOrigin('https://models.example:443')).toThrow(/usual form, https:\/\/models.example/);
  });

  it('takes the origin of a manifest URL in the browser form, then validates it', () => {
    expect(allowableOriginOf('https://Models.Example:443/packs/a/manifest.json')).toBe('https://models.example');
    expect(allowableOriginOf('/models/x/manifest.json', 'http://127.0.0.1:4173/')).toBe('http://127.0.0.1:4173');
    expect(() => allowableOriginOf('http://models.example/m.json')).toThrow(/https/);
    expect(() => allowableOriginOf('https://*.models.example/m.json')).toThrow(/host name/);
  });

  it('anything it accepts is made of characters that cannot start or end a CSP source or directive', () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl().map((u) => new URL(u).origin), fc.string(), fc.constantFrom('https://', 'http://localhost:', 'http://127.0.0.')), (text) => {
        if (isValidOrigin(text)) expect(text).toMatch(/^https?:\/\/[a-z0-9.-]+(:\d+)?$/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('widenPolicy', () => {
  const meta = contentSecurityPolicy('meta', { ...INPUTS, connect: 'https://deployer.example' });

  it('adds origins to connect-src only, once each, and the page reader then allows exactly them', () => {
    const widened = widenPolicy(meta, ['https://models.example', 'http://127.0.0.2:5000', 'https://models.example']);
    expect(connectSourcesOf(widened)).toBe("'self' https://deployer.example https://models.example http://127.0.0.2:5000");
    expect(directives(widened).filter(([n]) => n !== 'connect-src')).toEqual(directives(meta).filter(([n]) => n !== 'connect-src'));
    expect(connectAllowed('https://models.example/p/manifest.json', connectSourcesOf(widened)!, SELF)).toBe(true);
    expect(connectAllowed('http://127.0.0.2:5000/p/manifest.json', connectSourcesOf(widened)!, SELF)).toBe(true);
    expect(connectAllowed('http://127.0.0.2:5001/p/manifest.json', connectSourcesOf(widened)!, SELF)).toBe(false);
    expect(connectAllowed('https://other.example/p/manifest.json', connectSourcesOf(widened)!, SELF)).toBe(false);
    expect(widenPolicy(widened, ['https://models.example'])).toBe(widened);
  });

  it('writes nothing that is not a valid origin', () => {
    const hostile = ["https://x.example; script-src 'unsafe-inline'", '*', 'https:', "'unsafe-eval'", 'https://*.example', 'http://evil.example', 'https://a.example, script-src *'];
    expect(widenPolicy(meta, hostile)).toBe(meta);
  });

  it("keeps the header's frame-ancestors, widens each policy of a list, drops 'none', and leaves a policy without connect-src alone", () => {
    const header = contentSecurityPolicy('app', INPUTS);
    expect(widenPolicy(header, ['https://m.example'])).toBe(header.replace("connect-src 'self'", "connect-src 'self' https://m.example"));
    expect(widenPolicy("connect-src 'none', default-src 'self'; connect-src 'self'", ['https://m.example'])).toBe("connect-src https://m.example, default-src 'self'; connect-src 'self' https://m.example");
    expect(widenPolicy("default-src 'self'", ['https://m.example'])).toBe("default-src 'self'");
  });

  it('any input list changes no directive but connect-src (fast-check)', () => {
    const header = contentSecurityPolicy('embed', INPUTS);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.webUrl().map((u) => new URL(u).origin), fc.constantFrom("'self'", ';', ',', ' ', '*', 'https://a.example; x'))), (list) => {
        const widened = widenPolicy(header, list);
        const before = directives(header);
        const after = directives(widened);
        expect(after.map(([n]) => n)).toEqual(before.map(([n]) => n));
        expect(after.filter(([n]) => n !== 'connect-src')).toEqual(before.filter(([n]) => n !== 'connect-src'));
        const added = connectSourcesOf(widened)!.split(' ').slice(1);
        expect(added.every(isValidOrigin)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

/** The first CSP meta tag's content, decoded as a browser would read it. */
function metaPolicyOf(html: string): string | undefined {
  const content = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
  return content?.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

describe('widenPageHtml', () => {
  // The head of a built page, as Vite writes the meta tag (quotes as &#39;).
  const policy = contentSecurityPolicy('meta', { ...INPUTS, connect: 'http://localhost:* http://127.0.0.1:*' });
  const page = `<!doctype html><html><head>\n<meta http-equiv="Content-Security-Policy" content="${policy.replace(/'/g, '&#39;')}">\n<meta charset="UTF-8" /><meta name="description" content="connect-src 'self'"></head><body></body></html>`;

  it("widens the page's CSP meta tag and nothing else in the page", () => {
    const widened = widenPageHtml(page, ['https://models.example']);
    expect(metaPolicyOf(widened)).toBe(widenPolicy(policy, ['https://models.example']));
    expect(widened).toContain('connect-src &#39;self&#39; http://localhost:* http://127.0.0.1:* https://models.example;');
    expect(widened.replace(' https://models.example', '')).toBe(page);
  });

  it('leaves a page alone when there is nothing to add', () => {
    expect(widenPageHtml(page, [])).toBe(page);
    expect(widenPageHtml(page, ['http://evil.example'])).toBe(page);
  });
});
