// The label sheet's print button: the browser's print dialog, where the guide above the
// sheet says which settings to choose. Shown only when this script runs.
const button = document.getElementById("print-button");
if (button) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
