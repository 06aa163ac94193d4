// Reading a code with the phone's camera, where the browser has a barcode reader (the
// Barcode Detection API) and a camera: one loop for the home page, the console and the
// producer app. Untested in CI: Debian's Chromium has no BarcodeDetector.

/** Whether this browser can read `formats` (default: QR codes) from the camera. */
export async function cameraReads(formats = ['qr_code']) {
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices?.getUserMedia) return false;
  const supported = await BarcodeDetector.getSupportedFormats();
  return formats.every((format) => supported.includes(format));
}

/**
 * Show the camera in `video` until a code `accept` takes (it returns a value, or null to
 * keep looking); stop the camera and return that value.
 * @param {HTMLVideoElement} video
 * @param {(text: string) => any} accept
 * @param {string[]} formats
 */
export async function readCode(video, accept, formats = ['qr_code']) {
  const detector = new BarcodeDetector({ formats });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  try {
    for (;;) {
      const found = await detector.detect(video);
      const value = found.map((code) => accept(code.rawValue)).find((v) => v);
      if (value) return value;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    stream.getTracks().forEach((track) => track.stop());
    video.hidden = true;
  }
}
