// The scan page's glue: fetch the product's proof bundle, verify it in this browser, and
// mark every step of the server-rendered journey as verified or failed.
//
// Contract with the server-rendered page (web/templates/scan.html; docs/SCAN_PAGE.md):
//
//   <script type="module" src="/static/verify/page.js"></script>
//   <main id="scan" data-bundle-url="…" data-verifier-key="<vkey>" data-lang="zh|en">
//     <p id="verify-status">…</p>          text replaced with progress, then the verdict;
//                                           data-state = checking | verified | failed |
//                                           unsupported | error; data-verify-ms = the
//                                           time verifyBundle took (ms), once it ran
//     <div id="server-verdict" data-state="verified|failed" hidden>…</div>
//                                           the server's own verdict; shown (hidden
//                                           removed) only when this browser cannot verify
//     <li class="step" data-index="123">    one per step (event entry index)
//       <span class="step-status"></span>   data-state = verified | failed, short text
//       <span class="step-verified"></span> one line from the VERIFIED bytes (bizStep ·
//                                           eventTime · actor name) or why it failed
//     </li>
//   </main>
//
// The script writes text only (textContent, dataset, hidden): no innerHTML, no inline
// styles, so the page's CSP may forbid inline scripts and styles.

import { checkSupport, UnsupportedError } from './crypto.js';
import { stepVerified, verifyBundle } from './bundle.js';
import { checkMessage, message } from './messages.js';

function serverVerdict(root, lang) {
  const el = root.querySelector('#server-verdict');
  if (el === null) return message(lang, 'server_unknown');
  el.hidden = false;
  const state = el.dataset.state;
  return message(lang, state === 'verified' ? 'server_verified' : state === 'failed' ? 'server_failed' : 'server_unknown');
}

function setStatus(status, state, text) {
  if (status === null) return;
  status.dataset.state = state;
  status.textContent = text;
}

function setStep(li, state, statusText, line) {
  const statusEl = li.querySelector('.step-status');
  const verifiedEl = li.querySelector('.step-verified');
  li.dataset.state = state;
  if (statusEl !== null) {
    statusEl.dataset.state = state;
    statusEl.textContent = statusText;
  }
  if (verifiedEl !== null) verifiedEl.textContent = line;
}

function showSteps(root, report, lang) {
  const bundleWhy = report.bundleFailures.map((f) => checkMessage(lang, f.check)).join('; ');
  for (const li of root.querySelectorAll('li.step[data-index]')) {
    const entry = report.entries[li.dataset.index];
    if (entry === undefined) {
      setStep(li, 'failed', message(lang, 'step_failed'), message(lang, 'step_missing'));
    } else if (!entry.ok) {
      const why = entry.failures.map((f) => checkMessage(lang, f.check)).join('; ');
      setStep(li, 'failed', message(lang, 'step_failed'), why);
    } else if (!stepVerified(report, Number(li.dataset.index))) {
      setStep(li, 'failed', message(lang, 'step_failed'), message(lang, 'bundle_failed', { why: bundleWhy }));
    } else {
      const v = entry.verified;
      const line = v.kind === 'event' ? [v.bizStep, v.eventTime, v.actorName].join(' · ') : [v.kind, v.actor || ''].join(' · ');
      setStep(li, 'verified', message(lang, 'step_verified'), line);
    }
  }
}

/**
 * Run the page's verification. Exported for tests; runs by itself on import when the page
 * has a `main#scan` element.
 * @param {Document} doc
 * @returns {Promise<object|null>} the verifier's report, or null when it could not run
 */
export async function run(doc) {
  const root = doc.querySelector('main#scan');
  if (root === null) return null;
  const lang = root.dataset.lang === 'en' ? 'en' : 'zh';
  const status = doc.querySelector('#verify-status');
  try {
    await checkSupport();
  } catch (err) {
    if (!(err instanceof UnsupportedError)) throw err;
    setStatus(status, 'unsupported', message(lang, 'unsupported', {
      why: message(lang, `why_${err.reason}`), server: serverVerdict(root, lang),
    }));
    return null;
  }
  setStatus(status, 'checking', message(lang, 'fetching'));
  let bytes;
  try {
    const response = await fetch(root.dataset.bundleUrl, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    setStatus(status, 'error', message(lang, 'error', { why: err.message, server: serverVerdict(root, lang) }));
    return null;
  }
  const started = performance.now();
  const report = await verifyBundle(bytes, root.dataset.verifierKey, {
    onProgress: ({ done, total }) => setStatus(status, 'checking', message(lang, 'checking', { done, total })),
  });
  const elapsed = performance.now() - started;
  if (status !== null) status.dataset.verifyMs = elapsed.toFixed(1);
  showSteps(root, report, lang);
  const failures = report.bundleFailures.length
    + Object.values(report.entries).reduce((n, e) => n + e.failures.length, 0);
  if (report.ok) {
    setStatus(status, 'verified', message(lang, 'verified', { steps: report.steps.length, size: report.checkpoint.size }));
  } else {
    setStatus(status, 'failed', message(lang, 'failed', { count: failures }));
  }
  return report;
}

if (typeof document !== 'undefined' && document.querySelector('main#scan') !== null) {
  run(document).catch((err) => {
    const status = document.querySelector('#verify-status');
    const lang = document.querySelector('main#scan').dataset.lang === 'en' ? 'en' : 'zh';
    const root = document.querySelector('main#scan');
    setStatus(status, 'error', message(lang, 'error', { why: String(err && err.message), server: serverVerdict(root, lang) }));
  });
}
