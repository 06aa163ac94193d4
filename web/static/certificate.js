// The certificate page's print button (a module file: the CSP allows no inline script).
const button = document.getElementById("print");
if (button) {
  button.addEventListener("click", () => window.print());
}
