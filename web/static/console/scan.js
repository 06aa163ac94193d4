// The console's camera: read a phone's enrolment QR code where the browser has a barcode
// reader (the Barcode Detection API) and a camera. Typing the code always works without it.
// The QR code holds this site's /console/devices/<code> URL; only that path is followed,
// so a QR code pointing elsewhere cannot send the operator to another site.

import { cameraReads, readCode } from "../camera.js";

const button = document.getElementById("scan-button");
const video = document.getElementById("scan-video");
const status = document.getElementById("scan-status");
const input = document.querySelector("#code-form input[name=code]");

const CODE = /^[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}$/;

/** The enrolment code a scanned text names, or null. */
export function codeOf(text) {
  let path = text.trim();
  try {
    path = new URL(path).pathname;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error; // not a URL: maybe the bare code
  }
  const match = /^\/console\/devices\/([0-9A-Za-z-]{8,9})$/.exec(path);
  if (match) return match[1];
  return CODE.test(path) ? path : null;
}

async function scan() {
  status.textContent = button.dataset.looking || "";
  input.value = await readCode(video, codeOf);
  input.form.requestSubmit();
}

/** Say on the page why the camera could not be used. */
function report(error) {
  status.textContent = `${button.dataset.failed || ""} ${error.message}`;
}

async function offerCamera() {
  if (!(await cameraReads())) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    scan().catch(report);
  });
}

if (button) offerCamera();
