// The app's own reading of connect-src (src/shared/connect-policy.ts), which
// must agree with the browser's: 'self', scheme sources, hosts with ports,
// wildcards; and anything it cannot parse allows nothing.
import { describe, expect, it } from 'vitest';
import { connectAllowed, connectSourcesOf } from '../../src/shared/connect-policy';
import { contentSecurityPolicy } from '../../vite/security-headers';

const SELF = 'http://127.0.0.1:4173/index.html';

describe('connectAllowed', () => {
  it("allows the app's own origin with no list, and nothing else", () => {
    expect(connectAllowed('/models/x/manifest.json', '', SELF)).toBe(true);
    expect(connectAllowed('http://127.0.0.1:4173/a', '', SELF)).toBe(true);
    expect(connectAllowed('http://127.0.0.1:4174/a', '', SELF)).toBe(false);
    expect(connectAllowed('http://localhost:4173/a', '', SELF)).toBe(false);
    expect(connectAllowed('https://evil.example/?q=prompt', '', SELF)).toBe(false);
  });
  it('reads hosts with any port, exact ports and default ports', () => {
    const list = 'http://localhost:* http://127.0.0.1:* https://models.example';
    expect(connectAllowed('http://localhost:9999/m.json', list, SELF)).toBe(true);
    expect(connectAllowed('http://127.0.0.2:9999/m.json', list, SELF)).toBe(false);
    expect(connectAllowed('https://models.example/m.json', list, SELF)).toBe(true);
    expect(connectAllowed('https://models.example:8443/m.json', list, SELF)).toBe(false);
    expect(connectAllowed('http://models.example/m.json', list, SELF)).toBe(false);
  });
  it('reads wildcard subdomains and scheme sources', () => {
    expect(connectAllowed('https://cdn.models.example/m.json', '*.models.example', 'https://app.example/')).toBe(true);
    expect(connectAllowed('https://models.example/m.json', '*.models.example', 'https://app.example/')).toBe(false);
    expect(connectAllowed('https://anything.example/m.json', 'https:', SELF)).toBe(true);
    expect(connectAllowed('http://anything.example/m.json', 'https:', SELF)).toBe(false);
  });
  it('allows nothing for garbage sources or addresses', () => {
    expect(connectAllowed('https://x.example/', "'none' ???", SELF)).toBe(false);
    expect(connectAllowed('http://[bad', '*', SELF)).toBe(false);
  });
  it('the meta policy of a build is the header policy without frame-ancestors', () => {
    const inputs = { embedOrigins: '', connect: 'https://models.example', dev: false };
    const meta = contentSecurityPolicy('meta', inputs);
    expect(meta).toContain("connect-src 'self' https://models.example;");
    expect(meta).not.toContain('frame-ancestors');
    expect(contentSecurityPolicy('app', inputs)).toBe(`${meta}; frame-ancestors 'self'`);
  });
  it('reads the connect-src a policy sets, as the browser does: the first one, else default-src', () => {
    expect(connectSourcesOf("default-src 'self'; connect-src 'self' https://m.example; connect-src *")).toBe("'self' https://m.example");
    expect(connectSourcesOf("default-src 'self' https://d.example; img-src data:")).toBe("'self' https://d.example");
    expect(connectSourcesOf('img-src data:')).toBeNull();
  });
});
