// Lighthouse on several pages with one Node process and one Chromium.
//
// Usage: node tests/lighthouse_batch.mjs <job.json>
//
// The job (written by lighthouse_batch() in tests/served_site.py) is
//   {"chromePath": "...", "chromeFlags": ["--headless=new", ...],
//    "categories": ["accessibility", ...], "audits": ["network-requests", ...],
//    "runs": [{"url": "http://127.0.0.1:.../", "report": "/tmp/.../0.json"}, ...]}
//
// Starting node, loading Lighthouse's config and launching a browser took about a third
// of each separate `lighthouse` CLI run; here they happen once. Each page still gets
// its own run with Lighthouse's defaults (a new tab, the origin's storage and the
// browser's cache cleared before it loads, the phone emulation and load waiting), so
// the reports are those the CLI wrote. The full-page screenshot is not taken: nothing
// reads it, and it cost over a second a page.
//
// A page whose run ends in a Lighthouse runtime error still gets its report (with
// `runtimeError` set), as with the CLI. The exit status is 0 only if every report was
// written; otherwise what went wrong is on stderr.

import fs from 'node:fs';

import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf-8'));
const chrome = await chromeLauncher.launch({chromePath: job.chromePath, chromeFlags: job.chromeFlags});
let missing = 0;
try {
  for (const {url, report} of job.runs) {
    try {
      const result = await lighthouse(url, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: job.categories,
        onlyAudits: job.audits && job.audits.length ? job.audits : undefined,
        disableFullPageScreenshot: true,
      });
      if (!result) throw new Error('Lighthouse returned no result');
      fs.writeFileSync(report, result.report);
      if (result.lhr.runtimeError) {
        process.stderr.write(`${url}: runtime error ${result.lhr.runtimeError.code}: ${result.lhr.runtimeError.message}\n`);
      }
    } catch (err) {
      missing += 1;
      process.stderr.write(`${url}: no report: ${err.stack || err}\n`);
    }
  }
} finally {
  await chrome.kill();
}
process.exitCode = missing ? 1 : 0;
