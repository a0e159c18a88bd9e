// The printed plan's "Print this plan" button (no inline handlers under the pages' CSP).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print-plan-button");
  if (button) button.addEventListener("click", () => window.print());
});
