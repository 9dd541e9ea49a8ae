/* The SPARQL page: YASGUI (served from this server) pointed at our endpoint, with every
 * outside look-up switched off: no prefix.cc, no LOV class/property completion, no
 * endpoint catalogue of other servers, no share-link or short-link services, no CORS proxy.
 * The gallery's "open in the editor" buttons load an example and run it.
 *
 * YASGUI's labels follow the page's language (data-labels, from api/portal/editor.py) where
 * YASGUI 4.6 takes them: the tab's name (tabName), the editor's name for screen readers
 * (CodeMirror's screenReaderLabel), the names of the result views (a plugin's label, set by
 * registering the plugin again as a subclass, Yasr.registerPlugin) and the results table's
 * texts (DataTables' language option, through Yasr.plugins.table.defaults.tableConfig).
 * Written into YASGUI's code, with no option, and so left in English: the answer's summary
 * ("7 results in 0.1 seconds"), the table's controls ("Simple view", "Ellipse", "Page size:",
 * "All", "Filter query results"), the view buttons' spoken names ("Shows ... view"), the
 * buttons' tooltips ("Run query", "Download result", "Close tab", "Add tab"), the request
 * settings ("Request method", "Accept Headers", "Arguments", "Default Graphs", ...), the
 * error messages, and DataTables' spoken name of its page links ("pagination"). */
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  if (!root || typeof window.Yasgui === "undefined") { return; }
  document.documentElement.classList.add("has-js");
  var endpoint = new URL(root.dataset.endpoint, window.location.href).toString();
  var prefixes = {};
  try { prefixes = JSON.parse(root.dataset.prefixes || "{}"); } catch (e) { prefixes = {}; }
  var labels = {};
  try { labels = JSON.parse(root.dataset.labels || "{}"); } catch (e) { labels = {}; }

  var Yasgui = window.Yasgui;
  var Yasr = Yasgui.Yasr;
  // The results table's texts: DataTables' own, beside YASGUI's paging arrows.
  var tableConfig = Yasr.plugins.table && Yasr.plugins.table.defaults && Yasr.plugins.table.defaults.tableConfig;
  if (tableConfig && labels.dataTables) {
    tableConfig.language = Object.assign({}, tableConfig.language, labels.dataTables);
  }
  // The result views' names: a plugin sets its label as it is made, so each is registered
  // again as a subclass that names itself in the page's language.
  Object.keys(labels.plugins || {}).forEach(function (name) {
    var Plugin = Yasr.plugins[name];
    if (!Plugin || Plugin.lianzhengLabel) { return; }
    var label = labels.plugins[name];
    var Named = class extends Plugin {
      constructor(yasr) { super(yasr); this.label = label; }
    };
    Named.lianzhengLabel = label;
    Yasr.registerPlugin(name, Named);
  });
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
    tabName: labels.tab || "Query",
    yasqe: {
      autocompleters: ["variables", "prefixes"],
      prefixCcApi: null,
      createShareableLink: null,
      createShortLink: undefined,
      consumeShareLink: null,
      persistenceId: null,
      editorHeight: "260px",
      screenReaderLabel: labels.editor || "SPARQL"
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
      i.setAttribute("aria-label", labels.tabName || "Tab name"); i.setAttribute("tabindex", "-1");
    });
    var names = { autocomplete: labels.endpoint || "SPARQL endpoint", tableSizer: labels.rowsPerPage || "Rows per page" };
    Array.prototype.forEach.call(root.querySelectorAll("input, select, textarea"), function (el) {
      if (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || (el.id && document.querySelector('label[for="' + el.id + '"]'))) { return; }
      var key = Object.keys(names).filter(function (k) { return el.classList.contains(k); })[0];
      el.setAttribute("aria-label", key ? names[key] : (el.getAttribute("title") || el.getAttribute("placeholder") || "SPARQL"));
    });
    Array.prototype.forEach.call(root.querySelectorAll(".CodeMirror-scroll"), function (el) {
      // CodeMirror makes it focusable by mouse only (-1); keyboard users may need to scroll it
      if (el.getAttribute("tabindex") !== "0") { el.setAttribute("tabindex", "0"); el.setAttribute("aria-label", labels.editor || "SPARQL"); }
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
