// Debian's Chromium for browser tests. Missing outside CI: the tests skip and say so.
// Missing with CI=true: the run fails, because CI must prove the UI.
import fs from 'node:fs';

export const CHROMIUM = process.env.TILLPOINT_CHROMIUM ?? '/usr/bin/chromium';

export const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumMissing(): boolean {
  if (fs.existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`Chromium is not at ${CHROMIUM}; .ci/run must install Debian's chromium.`);
  process.stderr.write(`Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium).\n`);
  return true;
}
