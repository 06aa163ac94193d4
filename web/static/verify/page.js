// The scan page's glue: fetch the product's proof bundle, verify it in this browser, and
// mark every step of the server-rendered journey as verified or failed.
//
// Contract with the server-rendered page (web/templates/scan.html; docs/SCAN_PAGE.md):
//
//   <script type="module" src="/static/verify/page.js"></script>
//   <main id="scan" data-bundle-url="…" data-verifier-key="<vkey>" data-lang="zh|en">
//                                           data-verify-state = done once the check has
//                                           ended, whatever its outcome
//     <p id="verify-status">…</p>          text replaced with progress, then the verdict;
//                                           data-state = checking | verified | failed |
//                                           unsupported | error; data-verify-ms = the
//                                           time verifyBundle took (ms), once it ran
//     <details id="verify-details" hidden><summary>…</summary><ul></ul></details>
//                                           one <li> per failure: where · check: message;
//                                           shown when something failed
//     <div id="server-verdict" data-state="verified|failed" hidden>…</div>
//     <section id="answer" data-state="ok|warning|danger" data-phone-ok="…">
//       <strong id="answer-headline">…</strong> the page's one answer (web/answer.py):
//                                           upgraded to data-phone-ok when the phone's
//                                           check passes and nothing else is wrong; set to
//                                           the step it failed at (a link to it) when not
//       <span id="phone-line">…</span>      the phone's check in a few words
//     </section>
//                                           the server's own verdict; shown (hidden
//                                           removed) only when this browser cannot verify
//     <li class="step" data-index="123">    one per step (event entry index); data-state
//                                           and data-checks (the failed checks' names)
//       <span class="step-status"></span>   data-state = verified | failed, short text
//       <span class="step-verified"></span> one line from the VERIFIED bytes (bizStep ·
//                                           eventTime · actor name) or why it failed
//     </li>
//   </main>
//
// The script writes text only (textContent, dataset, hidden, and plain <li> elements made
// with createElement): no innerHTML, no inline styles, so the page's CSP may forbid inline
// scripts and styles. Linked lab reports are checked afterwards by report.js (its own
// contract is there). The verifier's modules are imported inside run(), so that one that
// fails to load is reported on the page like any other error instead of stalling it.

import { checkMessage, message } from './messages.js';

/** How long the bundle's download may take before the page gives up on it. */
export const FETCH_TIMEOUT_MS = 30000;

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
  const line = status.ownerDocument.querySelector('#phone-line');
  const lang = status.ownerDocument.querySelector('main#scan')?.dataset.lang === 'en' ? 'en' : 'zh';
  if (line !== null && state !== 'verified' && state !== 'failed') {
    line.textContent = message(lang, `line_${state}`);
  }
}

function setStep(li, state, statusText, line, checks = []) {
  const statusEl = li.querySelector('.step-status');
  const verifiedEl = li.querySelector('.step-verified');
  li.dataset.state = state;
  if (checks.length) li.dataset.checks = checks.join(' ');
  if (statusEl !== null) {
    statusEl.dataset.state = state;
    statusEl.textContent = statusText;
  }
  if (verifiedEl !== null) verifiedEl.textContent = line;
}

/** Plain words for failures, each distinct one once, joined. */
function reasons(lang, failures) {
  return [...new Set(failures.map((f) => checkMessage(lang, f.check)))].join(message(lang, 'sep'));
}

function showSteps(root, report, lang, stepVerified) {
  const bundleWhy = reasons(lang, report.bundleFailures);
  const bundleChecks = report.bundleFailures.map((f) => f.check);
  for (const li of root.querySelectorAll('li.step[data-index]')) {
    const entry = report.entries[li.dataset.index];
    if (entry === undefined && !report.checkpoint.ok) {
      // The checks stopped at the bundle (FORMAT.md 9.2 steps 1-3): no entry was checked.
      setStep(li, 'failed', message(lang, 'step_unchecked'), message(lang, 'step_not_checked', { why: bundleWhy }), bundleChecks);
    } else if (entry === undefined) {
      setStep(li, 'failed', message(lang, 'step_failed'), message(lang, 'step_missing'));
    } else if (!entry.ok) {
      setStep(li, 'failed', message(lang, 'step_failed'), reasons(lang, entry.failures), entry.failures.map((f) => f.check));
    } else if (!stepVerified(report, Number(li.dataset.index))) {
      setStep(li, 'failed', message(lang, 'step_failed'), message(lang, 'bundle_failed', { why: bundleWhy }), bundleChecks);
    } else {
      const v = entry.verified;
      const line = v.kind === 'event' ? [v.bizStep, v.eventTime, v.actorName].join(' · ') : [v.kind, v.actor || ''].join(' · ');
      setStep(li, 'verified', message(lang, 'step_verified'), line);
    }
  }
}

/** The headline of a failed check: the bundle's failures, then the steps', then those of
 * the registrations behind them (FORMAT.md 9.1: the bundle's other entries). */
function failedVerdict(root, report, lang) {
  const parts = [];
  if (report.bundleFailures.length) parts.push(reasons(lang, report.bundleFailures));
  const onPage = new Set([...root.querySelectorAll('li.step[data-index]')].map((li) => li.dataset.index));
  const failed = Object.entries(report.entries).filter(([, e]) => !e.ok);
  const steps = failed.filter(([index, e]) => e.kind === 'event' || onPage.has(index));
  const others = failed.filter((item) => !steps.includes(item));
  for (const [key, group] of [['why_steps', steps], ['why_registrations', others]]) {
    if (group.length) {
      parts.push(message(lang, key, {
        count: group.length, reasons: reasons(lang, group.flatMap(([, e]) => e.failures)),
      }));
    }
  }
  let why = parts.join(message(lang, 'sep'));
  if (!report.checkpoint.ok) why = message(lang, 'why_stopped', { why });
  return message(lang, 'failed', { why });
}

/** The page's one answer (#answer, web/answer.py), after the phone's own check: "checked
 * on your phone" when it passed, else the first step it failed at, linked. */
function showAnswer(doc, report, lang) {
  const box = doc.querySelector('#answer');
  if (box === null) return;
  const headline = box.querySelector('#answer-headline');
  const line = box.querySelector('#phone-line');
  if (report.ok) {
    if (line !== null) line.textContent = message(lang, 'line_verified', { steps: report.steps.length });
    if (box.dataset.state === 'ok' && headline !== null) headline.textContent = box.dataset.phoneOk;
    return;
  }
  const failed = doc.querySelector('li.step[data-state=failed]');
  const steps = [...doc.querySelectorAll('li.step[data-index]')];
  box.dataset.state = 'danger';
  box.setAttribute('role', 'alert');
  box.querySelector('.answer-icon').textContent = '✕';
  if (line !== null) line.textContent = message(lang, 'line_failed');
  if (headline === null) return;
  const link = doc.createElement('a');
  if (failed !== null) {
    link.href = `#${failed.id}`;
    link.textContent = message(lang, 'headline_failed_step', {
      n: steps.indexOf(failed) + 1, title: failed.querySelector('h3')?.textContent ?? '',
    });
  } else {
    link.href = '#proof';
    link.textContent = message(lang, 'headline_failed');
  }
  headline.replaceChildren(link);
  const why = box.querySelector('#answer-why');
  if (why !== null) why.textContent = message(lang, 'why_failed');
}

/** Every failure with its check's name and the verifier's own words, for the curious. */
function showDetails(doc, report, lang) {
  const box = doc.querySelector('#verify-details');
  const list = box === null ? null : box.querySelector('ul');
  if (list === null) return;
  list.replaceChildren();
  const add = (where, f) => {
    const item = doc.createElement('li');
    item.textContent = `${where} · ${f.check}: ${f.message}`;
    list.append(item);
  };
  for (const f of report.bundleFailures) add(message(lang, 'where_bundle'), f);
  for (const [index, e] of Object.entries(report.entries)) {
    for (const f of e.failures) add(message(lang, 'where_entry', { index }), f);
  }
  box.hidden = list.children.length === 0;
}

async function fetchBundle(url) {
  const response = await fetch(url, {
    headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
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
  const { checkSupport, UnsupportedError } = await import('./crypto.js');
  const { stepVerified, verifyBundle } = await import('./bundle.js');
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
    bytes = await fetchBundle(root.dataset.bundleUrl);
  } catch (err) {
    // Network and HTTP failures, and the timeout: the proof is unavailable, said as such.
    const why = err && err.name === 'TimeoutError' ? message(lang, 'why_timeout') : String(err && err.message);
    setStatus(status, 'error', message(lang, 'error', { why, server: serverVerdict(root, lang) }));
    return null;
  }
  const started = performance.now();
  const report = await verifyBundle(bytes, root.dataset.verifierKey, {
    onProgress: ({ done, total }) => setStatus(status, 'checking', message(lang, 'checking', { done, total })),
  });
  const elapsed = performance.now() - started;
  if (status !== null) status.dataset.verifyMs = elapsed.toFixed(1);
  showSteps(root, report, lang, stepVerified);
  showDetails(doc, report, lang);
  showAnswer(doc, report, lang);
  if (report.ok) {
    setStatus(status, 'verified', message(lang, 'verified', { steps: report.steps.length, size: report.checkpoint.size }));
  } else {
    setStatus(status, 'failed', failedVerdict(root, report, lang));
  }
  return report;
}

/**
 * Run the check on `doc` and, whatever happens, end it visibly: an error the verifier did
 * not expect is shown on the page (and logged) instead of leaving it "checking" forever.
 * @param {Document} doc
 * @returns {Promise<void>}
 */
export async function start(doc) {
  const root = doc.querySelector('main#scan');
  let report = null;
  try {
    report = await run(doc);
  } catch (err) {
    console.error('the proof check failed', err);
    const lang = root.dataset.lang === 'en' ? 'en' : 'zh';
    setStatus(doc.querySelector('#verify-status'), 'error', message(lang, 'script_error', {
      why: String((err && err.message) || err), server: serverVerdict(root, lang),
    }));
  } finally {
    root.dataset.verifyState = 'done';
  }
  await checkLabReports(doc, report);
}

/** The lab reports' hash check (report.js), after the proof's: it compares each file with
 * the hash in the step's verified record. An error in it propagates (the console shows it);
 * the page is marked done with the reports either way. */
async function checkLabReports(doc, report) {
  try {
    const { checkReports } = await import('./report.js');
    await checkReports(doc, report);
  } finally {
    doc.querySelector('main#scan').dataset.reportState = 'done';
  }
}

if (typeof document !== 'undefined' && document.querySelector('main#scan') !== null) {
  start(document);
}
