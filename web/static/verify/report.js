// The lab reports a scan page links: fetch each, hash it with WebCrypto, and say whether it
// is the file the signed inspection record names (docs/SCAN_PAGE.md, "Lab reports").
//
// Contract with the page (web/templates/scan.html):
//
//   <li class="step" data-index="123">
//     <p class="report" data-sha256="<hex>" data-state="stored|missing">
//       <a href="/documents/<hex>">…</a> <span class="report-check"></span>
//     </p>                      data-check = checking, then matches | matches_page |
//   </li>                       altered | error when the check of this report has ended
//   <main id="scan">            data-report-state = done once every report was checked
//
// The hash the file must have is the one in the step's VERIFIED bytes when this browser
// verified the step; otherwise (no Ed25519 here, or the step failed) the one the page
// shows, and the words say the record itself was not verified here.

import { message } from './messages.js';

/** How long a report's download may take before the page gives up on it. */
export const REPORT_TIMEOUT_MS = 30000;

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256Of(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(REPORT_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const bytes = await response.arrayBuffer();
  if (!globalThis.crypto || !globalThis.crypto.subtle) throw new Error(message('en', 'why_no_webcrypto'));
  return hex(await globalThis.crypto.subtle.digest('SHA-256', bytes));
}

/** The hash the step's record names, and whether this browser verified that record. */
function expected(box, report, stepVerified) {
  const index = Number(box.closest('li.step').dataset.index);
  const entry = report === null ? undefined : report.entries[index];
  if (entry !== undefined && entry.verified && stepVerified(report, index)) {
    return { sha256: entry.verified.reportSha256, fromLedger: true };
  }
  return { sha256: box.dataset.sha256, fromLedger: false };
}

/** Show a report's state on the page: data-check, and the words beside its link. */
function setStatus(box, state, text) {
  box.dataset.check = state;
  const out = box.querySelector('.report-check');
  if (out !== null) out.textContent = text;
}

async function checkOne(box, report, lang, stepVerified) {
  const link = box.querySelector('a');
  if (link === null) return;
  setStatus(box, 'checking', message(lang, 'report_checking'));
  const want = expected(box, report, stepVerified);
  let found;
  try {
    found = await sha256Of(link.href);
  } catch (err) {
    const why = err && err.name === 'TimeoutError' ? message(lang, 'why_timeout') : String(err && err.message);
    setStatus(box, 'error', message(lang, 'report_error', { why }));
    return;
  }
  if (found !== want.sha256) {
    setStatus(box, 'altered', message(lang, 'report_altered'));
  } else {
    setStatus(box, want.fromLedger ? 'matches' : 'matches_page', message(lang, want.fromLedger ? 'report_matches' : 'report_matches_page'));
  }
}

/**
 * Check every linked report on the page, one after another, then mark the page done.
 * @param {Document} doc
 * @param {object|null} report the bundle verifier's report, or null when it did not run
 * @returns {Promise<void>}
 */
export async function checkReports(doc, report) {
  const root = doc.querySelector('main#scan');
  if (root === null) return;
  const lang = root.dataset.lang === 'en' ? 'en' : 'zh';
  try {
    const { stepVerified } = await import('./bundle.js');
    for (const box of root.querySelectorAll('li.step[data-index] p.report[data-state=stored]')) {
      await checkOne(box, report, lang, stepVerified);
    }
  } finally {
    root.dataset.reportState = 'done';
  }
}
