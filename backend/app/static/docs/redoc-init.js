// Starts ReDoc from a file, not an inline script, so the page's CSP can forbid inline code.
window.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("redoc");
  Redoc.init(el.dataset.openapiUrl, { hideDownloadButton: false }, el);
});
