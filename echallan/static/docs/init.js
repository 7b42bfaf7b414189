// Start Swagger UI on the API docs page. A file, not an inline script, so that the page runs
// under the same Content-Security-Policy (script-src 'self') as the rest of the site.
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  var config = JSON.parse(container.dataset.config || "{}");
  config.url = container.dataset.specUrl;
  config.dom_id = "#swagger-ui-container";
  config.validatorUrl = null; // never send the document to an outside validator
  window.ui = SwaggerUIBundle(config);
});
