// The eviction notice's rules, on real user-agent strings: Safari (macOS, iPad, iPhone) gets the 7-day
// sentence unless running as an installed app; Chrome and Firefox on iOS (also WebKit, but not Safari's
// policy by default) and every other browser get the disk-pressure sentence only when storage is not persistent.
import { describe, expect, it } from 'vitest';
import { evictionRisk, isSafari } from '../../src/lib/eviction-risk';

const SAFARI_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15';
const SAFARI_IPAD = 'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1';
const CHROME_IOS = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1';
const FIREFOX_IOS = 'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15';
const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0';
const WEBKITGTK = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15';

describe('isSafari', () => {
  it('is Safari on a Mac, an iPad and an iPhone', () => {
    for (const ua of [SAFARI_MAC, SAFARI_IPAD, SAFARI_IPHONE]) expect(isSafari(ua)).toBe(true);
  });
  it('is not Chrome or Firefox, on iOS or elsewhere', () => {
    for (const ua of [CHROME_IOS, FIREFOX_IOS, CHROME_LINUX, FIREFOX_LINUX]) expect(isSafari(ua)).toBe(false);
  });
  it('takes WebKitGTK, which sends Safari\'s tokens, for Safari: the notice errs on the side of a backup', () => {
    expect(isSafari(WEBKITGTK)).toBe(true);
  });
});

describe('evictionRisk', () => {
  it('warns Safari users of the 7 days and names the backup, even with persistent storage', () => {
    const risk = evictionRisk({ userAgent: SAFARI_IPAD, standalone: false, persisted: true });
    expect(risk?.kind).toBe('safari-7-days');
    expect(risk?.sentence).toContain('7 days');
    expect(risk?.sentence).toContain('Home Screen');
    expect(risk?.sentence).toContain('Export .zoepack');
  });
  it('says nothing of the 7 days to Safari running as a Home Screen app, unless storage is not persistent', () => {
    expect(evictionRisk({ userAgent: SAFARI_IPHONE, standalone: true, persisted: true })).toBeNull();
    expect(evictionRisk({ userAgent: SAFARI_IPHONE, standalone: true, persisted: false })?.kind).toBe('disk-pressure');
  });
  it('warns other browsers only when storage is not persistent', () => {
    expect(evictionRisk({ userAgent: FIREFOX_LINUX, standalone: false, persisted: false })?.sentence).toContain('Export .zoepack');
    expect(evictionRisk({ userAgent: CHROME_LINUX, standalone: false, persisted: true })).toBeNull();
    expect(evictionRisk({ userAgent: CHROME_IOS, standalone: false, persisted: null })).toBeNull();
  });
});
