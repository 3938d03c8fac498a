// Starts Swagger UI on the API's OpenAPI document (no inline script: the page's CSP
// allows scripts from this origin only). The document's address is relative to the page,
// so the explorer works wherever the server is mounted.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: new URL(root.dataset.openapi, window.location.href).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
