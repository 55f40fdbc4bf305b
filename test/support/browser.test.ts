import { findChromium } from './browser.js';

describe('findChromium', () => {
  it('says why there is no browser and how to get one', () => {
    const r = findChromium({}, ['/nonexistent/chromium']);
    expect(r.path).toBeUndefined();
    expect(r.reason).toMatch(/no Chromium at \/nonexistent\/chromium: install one .*CHROMIUM_PATH/);
  });
  it('fails instead of skipping where the browser is required (CI)', () => {
    expect(() => findChromium({ BATON_REQUIRE_BROWSER: '1' }, ['/nonexistent/chromium'])).toThrow(
      /BATON_REQUIRE_BROWSER=1/,
    );
  });
  it('takes CHROMIUM_PATH first', () => {
    expect(findChromium({ CHROMIUM_PATH: process.execPath }, []).path).toBe(process.execPath);
  });
  it('a CHROMIUM_PATH that does not exist is reported, not replaced by another browser', () => {
    const r = findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' }, [process.execPath]);
    expect(r.path).toBeUndefined();
    expect(r.reason).toMatch(/no Chromium at \/nonexistent\/chromium:/);
  });
});
