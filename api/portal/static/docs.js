/* The API reference (/docs): Swagger UI, served from this server, over this server's OpenAPI
 * document. A file of the site's own rather than FastAPI's inline script, so that the page runs
 * under the site's Content-Security-Policy (scripts and requests from this site only). Nothing
 * is fetched from elsewhere: no validator badge (validator.swagger.io), no settings from the URL.
 * Without this script (or without swagger-ui-dist) the page's list of operations stays shown. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle === "undefined") { return; }
  document.documentElement.classList.add("has-js");
  var SwaggerUIBundle = window.SwaggerUIBundle;
  window.lianzhengSwagger = SwaggerUIBundle({
    url: new URL(root.dataset.openapi, window.location.href).toString(),
    domNode: root,
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    deepLinking: false,  // its links sit inside the operations' buttons (axe: nested-interactive)
    showExtensions: true,
    showCommonExtensions: true,
    syntaxHighlight: false,  // its themes colour JSON below 4.5:1 (axe: colour-contrast), in style attributes
    validatorUrl: null,
    queryConfigEnabled: false
  });

  // Accessibility of Swagger UI's own markup (axe-core runs on this page in the tests): a
  // parameter's list of values is named after the parameter, and an answer or example that
  // scrolls can be reached from the keyboard.
  function patch() {
    Array.prototype.forEach.call(root.querySelectorAll("tr[data-param-name] select:not([aria-label])"), function (el) {
      el.setAttribute("aria-label", el.closest("tr").getAttribute("data-param-name"));
    });
    Array.prototype.forEach.call(root.querySelectorAll("pre.microlight:not([tabindex])"), function (el) {
      el.setAttribute("tabindex", "0");
    });
  }
  new MutationObserver(patch).observe(root, { childList: true, subtree: true });
})();
