// Playwright runs this before any test (`globalSetup` in playwright.config.ts; also `node
// scripts/playwright-bidi.mjs`). Playwright 1.64 drives Firefox over WebDriver BiDi and, as
// it opens a browser or a context, sends commands that Firefox ESR 140 does not know yet
// (ESR 153 does): network.addDataCollector (response bodies), browser.setDownloadBehavior and
// the screen, orientation and locale overrides. ESR 140 answers "unknown command" and every
// Firefox test fails at launch. Debian bookworm has both ESRs (140 in bookworm, 153 in
// bookworm-security), and a machine may get either.
//
// This makes Playwright take "unknown command" for those five as done: none of them matters to
// these tests (no test reads a response body, downloads a file or sets a locale or a screen).
// Anything else a browser does not know still fails, with Playwright's own error: offline
// emulation (emulation.setNetworkConditions) among them, so a test that needs it fails on ESR
// 140 rather than passing without being offline. Idempotent; a Playwright whose code has
// changed is left alone, with a warning. The test workers, which launch the browsers, load
// Playwright after it has run. (Not an npm lifecycle script: the package's package.json would
// carry it to every shop that installs the package, where npm flags it, and where this file
// is not.)
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const OPTIONAL = [
  'network.addDataCollector',
  'browser.setDownloadBehavior',
  'emulation.setLocaleOverride',
  'emulation.setScreenOrientationOverride',
  'emulation.setScreenSettingsOverride',
];
const MARK = '/* depict: unknown optional BiDi commands */';
// BidiSession.dispatchMessage, where an answer to a command is matched with its callback
const BEFORE = 'if (object.type === "error") {\n            if (object.error === "no such frame")';
const AFTER =
  `if (object.type === "error" && object.error === "unknown command" && ${JSON.stringify(OPTIONAL)}.includes(callback.error.method)) ${MARK} {\n` +
  '            callback.resolve({});\n' +
  `          } else ${BEFORE}`;

/** Patches Playwright's bundle where it needs it; Playwright's `globalSetup`. */
export default function patchPlaywright() {
  let file, code;
  try {
    file = join(dirname(createRequire(import.meta.url).resolve('playwright-core/package.json')), 'lib/coreBundle.js');
    code = readFileSync(file, 'utf8');
  } catch {
    return; // no Playwright (an install without dev dependencies): nothing to do
  }
  if (code.includes(MARK)) return;
  if (code.split(BEFORE).length != 2)
    return console.warn(`scripts/playwright-bidi.mjs: ${file} is not the code this expects (another Playwright version?); left alone. Firefox ESR 140 may fail at launch.`);
  writeFileSync(file, code.replace(BEFORE, AFTER));
}

if (process.argv[1] && import.meta.url == pathToFileURL(process.argv[1]).href) patchPlaywright();
