/* The SPARQL page: YASGUI (served from this server) pointed at our endpoint, with every
 * outside look-up switched off: no prefix.cc, no LOV class/property completion, no
 * endpoint catalogue of other servers, no share-link or short-link services, no CORS proxy.
 * The gallery's "open in the editor" buttons load an example and run it. */
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  if (!root || typeof window.Yasgui === "undefined") { return; }
  document.documentElement.classList.add("has-js");
  var endpoint = new URL(root.dataset.endpoint, window.location.href).toString();
  var prefixes = {};
  try { prefixes = JSON.parse(root.dataset.prefixes || "{}"); } catch (e) { prefixes = {}; }

  var Yasgui = window.Yasgui;
  // Only completers that work from the query itself and the bundled prefix list.
  Yasgui.Yasqe.defaults.autocompleters = ["variables", "prefixes"];
  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    copyEndpointOnNewTab: true,
    corsProxy: undefined,
    populateFromUrl: false,
    persistenceId: null,
    autofocus: false,
    yasqe: {
      autocompleters: ["variables", "prefixes"],
      prefixCcApi: null,
      createShareableLink: null,
      createShortLink: undefined,
      consumeShareLink: null,
      persistenceId: null,
      editorHeight: "260px"
    },
    yasr: { prefixes: prefixes, persistenceId: null }
  });

  var tab = yasgui.getTab();
  tab.setEndpoint(endpoint);
  var yasqe = tab.getYasqe();
  if (root.dataset.query) { yasqe.setValue(root.dataset.query); }
  // the editor's text area gets a name for screen readers
  var input = root.querySelector("textarea");
  if (input && !input.getAttribute("aria-label")) { input.setAttribute("aria-label", "SPARQL"); }
  if (root.dataset.run) { yasqe.query().catch(function () {}); }

  var buttons = document.querySelectorAll("button.example-run");
  Array.prototype.forEach.call(buttons, function (button) {
    button.addEventListener("click", function () {
      var current = yasgui.getTab();
      current.setEndpoint(endpoint);
      var editor = current.getYasqe();
      editor.setValue(button.dataset.query);
      root.scrollIntoView({ behavior: "auto", block: "start" });
      editor.query().catch(function () {});
    });
  });
  window.lianzhengYasgui = yasgui;
})();
