/**
 * Browser tests need Debian's Chromium. Without it: under CI they fail (CI installs it, so its
 * absence is a broken machine); elsewhere they are skipped with a loud message, never silently.
 */
import { describe, it } from 'vitest';
import { CHROMIUM_PATH, chromiumAvailable } from '../../../examples/browser/chromium.js';
import { inCi } from '../../helpers/ci.js';


export function describeInChromium(name: string, body: () => void): void {
  if (chromiumAvailable()) {
    describe(name, body);
    return;
  }
  if (inCi()) {
    describe(name, () => {
      it('has Chromium to run in', () => {
        throw new Error(`${CHROMIUM_PATH} is missing and CI is set: install Debian's chromium package (.ci/run does)`);
      });
    });
    return;
  }
  console.warn(
    [
      '',
      '!'.repeat(78),
      `!! SKIPPING browser tests "${name}": ${CHROMIUM_PATH} not found.`,
      '!! Install it with: apt-get install -y chromium   (or set CHROMIUM_PATH)',
      '!'.repeat(78),
      '',
    ].join('\n'),
  );
  describe.skip(name, body);
}
