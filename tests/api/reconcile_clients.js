/* The requests two browser clients of a reconciliation service make, made here with the
 * browser's own fetch and XMLHttpRequest from a page of another origin than the service's:
 * the reconciliation test bench for API 0.2 and OpenRefine's web client. What each does was
 * read from its sources (listed in test_reconcile_clients.py, which serves this file); the
 * code is ours. window.benchConfig names the service and the data to ask for; every answer is
 * recorded in window.steps, and window.finished is set when all have run. */
'use strict';

const config = window.benchConfig;
const endpoint = config.endpoint;
const steps = [];
window.steps = steps;

function record(step) {
  steps.push(step);
  return step;
}

function parsed(step) {
  try {
    return JSON.parse(step.text);
  } catch (e) {
    return undefined;
  }
}

// The bench's fetchParams/postParams (src/utils.js): fetch, CORS mode.
async function benchFetch(name, url, init) {
  const step = {name, client: 'bench', url, method: (init && init.method) || 'GET'};
  try {
    const r = await fetch(url, init);
    step.status = r.status;
    step.contentType = r.headers.get('content-type');
    step.text = await r.text();
  } catch (e) {
    step.error = String(e);  // a CORS refusal ends here: the page is given no answer at all
  }
  return record(step);
}

// The bench's addParams (src/utils.js): each parameter appended to the URL's query.
function withParams(base, params) {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params || {})) {
    url.searchParams.append(key, value);
  }
  return url.toString();
}

// The bench's TestBench.formulateReconQuery: a name (sent even when empty), a type id,
// property mappings whose property and value are both set, and a limit typed as text.
function benchQuery({name = '', type, mappings = [], limit}) {
  const query = {query: name};
  if (type !== undefined) {
    query.type = type;
  }
  if (mappings.length > 0) {
    query.properties = mappings.filter(m => m && m.property && m.value)
      .map(m => ({pid: m.property.id, v: m.value}));
  }
  if (!isNaN(parseInt(limit))) {
    query.limit = parseInt(limit);
  }
  return query;
}

// The bench's onSubmitReconciliation: one query, key q0, POSTed as a form (CORS-safelisted
// content type, so the browser sends no preflight).
function benchReconcile(name, query) {
  return benchFetch(name, endpoint, {
    method: 'POST',
    headers: {'Content-Type': 'application/x-www-form-urlencoded'},
    body: new URLSearchParams({queries: JSON.stringify({q0: query})}),
  }).then(step => Object.assign(step, {queries: {q0: query}}));
}

// The bench's ReconcileSuggest: service_url + service_path, with prefix alone.
function benchSuggest(manifest, kind, prefix) {
  const c = manifest.suggest[kind];
  return benchFetch('suggest-' + kind, withParams(c.service_url + c.service_path, {prefix}));
}

// An iframe as the bench's PreviewRenderer writes it (id URL-encoded, width and height as
// attributes) or as OpenRefine's recon-renderer.js makes it (encodeURI of the whole URL,
// sandbox="", the size as CSS). Resolves when the frame has loaded whatever it was given.
function frame(name, src, width, height, sandboxed) {
  return new Promise(resolve => {
    const f = document.createElement('iframe');
    f.name = name;
    if (sandboxed) {
      f.setAttribute('sandbox', '');
      f.style.width = width + 'px';
      f.style.height = height + 'px';
    } else {
      f.setAttribute('width', width);
      f.setAttribute('height', height);
      f.setAttribute('scrolling', 'no');
    }
    f.addEventListener('load', () => resolve(record({name, client: sandboxed ? 'openrefine' : 'bench', url: src})));
    f.src = src;
    document.body.appendChild(f);
  });
}

// OpenRefine's jQuery.ajax with dataType "json" (recon-manager.js, suggest-4_3a.js): an
// XMLHttpRequest whose Accept header is jQuery's for JSON.
function openRefineGet(name, url, timeout) {
  return new Promise(resolve => {
    const step = {name, client: 'openrefine', url, method: 'GET'};
    const xhr = new XMLHttpRequest();
    xhr.open('GET', url);
    xhr.setRequestHeader('Accept', 'application/json, text/javascript, */*; q=0.01');
    xhr.timeout = timeout || 0;
    xhr.onload = () => {
      step.status = xhr.status;
      step.contentType = xhr.getResponseHeader('content-type');
      step.text = xhr.responseText;
      resolve(record(step));
    };
    xhr.onerror = xhr.ontimeout = () => {
      step.error = 'no answer the page may read';
      resolve(record(step));
    };
    xhr.send();
  });
}

async function bench(manifest) {
  // The Reconcile tab: a name alone, a name and a default type, a name and a type chosen with
  // the type suggest, a property chosen with the property suggest and a limit, properties alone
  // (the name left empty), and the empty form.
  const first = await benchReconcile('reconcile-name', benchQuery({name: config.name}));
  await benchReconcile('reconcile-default-type', benchQuery({name: config.name, type: manifest.defaultTypes[0].id}));
  const types = parsed(await benchSuggest(manifest, 'type', config.typePrefix));
  await benchReconcile('reconcile-suggested-type', benchQuery({name: config.agencyName, type: types.result[0].id}));
  const properties = parsed(await benchSuggest(manifest, 'property', config.propertyPrefix));
  const property = properties.result[0];
  await benchReconcile('reconcile-property-limit', benchQuery({
    name: config.name, mappings: [{property, value: config.propertyValue}], limit: '3'}));
  await benchReconcile('reconcile-properties-alone', benchQuery({
    mappings: [{property: {id: 'agency'}, value: config.agencyName}, {property: undefined, value: ''}]}));
  await benchReconcile('reconcile-empty-form', benchQuery({}));

  // The Suggest tab (entity; type and property were asked above).
  const entities = parsed(await benchSuggest(manifest, 'entity', config.entityPrefix));

  // Candidate.url: the view template with the id put in as it is; formulateQueryUrl: the
  // "View query results on the service" link. Both are links: recorded for the test to open.
  const top = parsed(first).q0.result[0];
  record({name: 'view-link', client: 'bench', url: manifest.view.url.replace('{{id}}', top.id)});
  record({name: 'query-link', client: 'bench',
          url: withParams(endpoint, {queries: JSON.stringify({q0: benchQuery({name: config.name})})})});

  // The Preview tab: an entity picked with the entity suggest, in an iframe.
  const p = manifest.preview;
  const previewed = p.url.replace('{{id}}', encodeURIComponent(entities.result[0].id));
  await frame('bench-preview', previewed, p.width, p.height, false);

  // The Extend tab, enabled only when the manifest has "extend": ids and properties as the
  // query parameter extend=, by GET; the bench passes {timeout: 20000} to fetchParams as if it
  // were an option, so it goes out as one more parameter.
  if (manifest.extend) {
    const extend = {ids: [entities.result[0].id], properties: [{id: property.id}]};
    const step = await benchFetch('extend', withParams(withParams(endpoint, {extend: JSON.stringify(extend)}),
                                                       {timeout: 20000}));
    step.extend = extend;
  }
}

async function openRefine(manifest) {
  // recon-manager.js registerStandardService: the manifest, CORS first (5 s), JSONP only if that fails.
  await openRefineGet('openrefine-manifest', endpoint, 5000);
  // An entity suggest (the "search for match" box), then "view more" when the answer gives
  // the next cursor (suggest-4_3a.js show_hook and request).
  const s = manifest.suggest.entity;
  const url = s.service_url + s.service_path;
  const page = parsed(await openRefineGet('openrefine-suggest', withParams(url, {prefix: config.morePrefix})));
  if (page && page.result && page.result.length && 'cursor' in page) {
    await openRefineGet('openrefine-suggest-more', withParams(url, {prefix: config.morePrefix, cursor: page.cursor}));
  }
  // "Add columns from reconciled values" (add-column-by-reconciliation.js): the properties
  // proposed for the column's type, the type id put after "?type=" as it is.
  if (manifest.extend && manifest.extend.propose_properties) {
    const pp = manifest.extend.propose_properties;
    const proposals = pp.service_url + pp.service_path + '?type=' + config.columnType;
    await openRefineGet('openrefine-propose-properties', proposals, 7000);
  }
  // A candidate's preview on hover, and its link (encodeURI of the filled-in template).
  const p = manifest.preview;
  await frame('openrefine-preview', encodeURI(p.url.replace('{{id}}', config.previewId)), p.width, p.height, true);
  record({name: 'openrefine-view-link', client: 'openrefine',
          url: encodeURI(manifest.view.url.replace('{{id}}', config.previewId))});
}

// A client that POSTs JSON (as the test bench for API 1.0 does, with its Accept-Language):
// not a CORS-safelisted request, so the browser asks the service first with a preflight.
function jsonPost() {
  return benchFetch('json-post-preflighted', endpoint, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', 'Accept-Language': 'en'},
    body: JSON.stringify({queries: {q0: {query: config.name}}}),
  });
}

async function run() {
  // ReconciliationServiceInput.validateEndpoint: fetch(endpoint), then .json().
  const manifest = parsed(await benchFetch('manifest', endpoint));
  if (!manifest) {
    return;  // the bench would now try JSONP; the test fails on this step
  }
  await bench(manifest);
  await openRefine(manifest);
  await jsonPost();
}

run().catch(e => record({name: 'script-error', error: String(e && e.stack || e)}))
  .finally(() => { window.finished = true; });
