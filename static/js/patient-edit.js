// The patient's details form: after a refused save, the first field in error has the focus, so that
// a keyboard user starts where the correction is needed (no inline script under the pages' CSP).
document.addEventListener("DOMContentLoaded", () => {
  const field = document.querySelector("form .has-error input, form .has-error select, form .has-error textarea");
  if (field) field.focus();
});
