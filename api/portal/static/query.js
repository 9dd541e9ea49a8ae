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

  // Accessibility of YASGUI's own markup (axe-core runs on this page in the tests): one tab,
  // so the tab bar's "add" button goes; fields and the editor's scroll area get names.
  function patch() {
    Array.prototype.forEach.call(root.querySelectorAll(".addTab"), function (b) {
      if (b.parentElement) { b.parentElement.style.display = "none"; }
    });
    Array.prototype.forEach.call(root.querySelectorAll(".tabsList .tab input"), function (i) {
      i.setAttribute("aria-label", "Tab name"); i.setAttribute("tabindex", "-1");
    });
    var names = { autocomplete: root.dataset.endpointLabel || "SPARQL endpoint", tableSizer: "Rows per page" };
    Array.prototype.forEach.call(root.querySelectorAll("input, select, textarea"), function (el) {
      if (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || (el.id && document.querySelector('label[for="' + el.id + '"]'))) { return; }
      var key = Object.keys(names).filter(function (k) { return el.classList.contains(k); })[0];
      el.setAttribute("aria-label", key ? names[key] : (el.getAttribute("title") || el.getAttribute("placeholder") || "SPARQL"));
    });
    Array.prototype.forEach.call(root.querySelectorAll(".CodeMirror-scroll"), function (el) {
      // CodeMirror makes it focusable by mouse only (-1); keyboard users may need to scroll it
      if (el.getAttribute("tabindex") !== "0") { el.setAttribute("tabindex", "0"); el.setAttribute("aria-label", "SPARQL"); }
    });
  }
  patch();
  new MutationObserver(patch).observe(root, { childList: true, subtree: true });

  var tab = yasgui.getTab();
  tab.setEndpoint(endpoint);
  var yasqe = tab.getYasqe();
  if (root.dataset.query) { yasqe.setValue(root.dataset.query); }
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
