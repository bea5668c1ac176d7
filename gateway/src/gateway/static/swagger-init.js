// Starts Swagger UI on /api/docs with the merged document. A file of its own (not inline) so that the
// page's Content-Security-Policy can forbid inline scripts.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Same-origin calls carry the session cookie; the gateway then wants the CSRF token for writes.
    requestInterceptor: function (request) {
      var token = window.dorfCsrfToken;
      if (token && request.method && request.method.toUpperCase() !== "GET") {
        request.headers["X-CSRF-Token"] = token;
      }
      return request;
    },
  });
  fetch("/auth/session", { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (session) { if (session.signed_in) { window.dorfCsrfToken = session.csrf_token; } })
    .catch(function () {});
});
