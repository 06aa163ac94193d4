// The console's camera: read a phone's enrolment QR code where the browser has a barcode
// reader (the Barcode Detection API) and a camera. Typing the code always works without it.
// The QR code holds this site's /console/devices/<code> URL; only that path is followed,
// so a QR code pointing elsewhere cannot send the operator to another site.

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
  const detector = new BarcodeDetector({ formats: ["qr_code"] });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  status.textContent = button.dataset.looking || "";
  try {
    for (;;) {
      const found = await detector.detect(video);
      const code = found.map((b) => codeOf(b.rawValue)).find((c) => c);
      if (code) {
        input.value = code;
        input.form.requestSubmit();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    stream.getTracks().forEach((track) => track.stop());
  }
}

/** Say on the page why the camera could not be used. */
function report(error) {
  status.textContent = `${button.dataset.failed || ""} ${error.message}`;
}

async function offerCamera() {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices?.getUserMedia) return;
  const formats = await BarcodeDetector.getSupportedFormats();
  if (!formats.includes("qr_code")) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    scan().catch(report);
  });
}

if (button) offerCamera();
