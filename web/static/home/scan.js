// The home page's camera: where the browser reads QR codes (the Barcode Detection API) and
// has a camera, a button opens it and a code found goes to /go, which the server resolves
// (any GS1 Digital Link, on any host, is answered by this ledger's own page for it; anything
// else by a note on the home page), so a code pointing elsewhere cannot send the shopper
// away. Elsewhere the page says so and the typing form does the job.

import { cameraReads, readCode } from "../camera.js";

const button = document.getElementById("scan-button");
const video = document.getElementById("scan-video");
const status = document.getElementById("scan-status");
const unsupported = document.getElementById("scan-unsupported");
const form = document.getElementById("code-form");

/** The /go address that resolves a scanned text, keeping the page's language. */
export function goUrl(text, lang) {
  const params = new URLSearchParams({ code: text.trim() });
  if (lang) params.set("lang", lang);
  return `${form?.action || "/go"}?${params}`;
}

async function scan() {
  status.textContent = button.dataset.looking || "";
  const text = await readCode(video, (value) => (value && value.trim() ? value : null));
  const lang = form?.elements.namedItem("lang")?.value;
  window.location.assign(goUrl(text, lang));
}

function report(error) {
  status.textContent = `${button.dataset.failed || ""} (${error.name})`;
  document.getElementById("code")?.focus();
}

async function offerCamera() {
  if (!(await cameraReads())) {
    unsupported.hidden = false;
    return;
  }
  button.hidden = false;
  button.addEventListener("click", () => {
    scan().catch(report);
  });
}

if (button && unsupported) offerCamera().catch(report);
