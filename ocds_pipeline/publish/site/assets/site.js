/* The publication's site: every page is rendered here from the data files in site/data/.
 * Data files register themselves with OCDS_SITE.put (a browser reading file:// runs scripts but
 * refuses fetch). Text from the data is only ever set with textContent or as an escaped chart
 * label, never parsed as HTML. */
(function () {
  "use strict";

  var store = {};
  var waiting = {};
  window.OCDS_SITE = {
    put: function (key, value) {
      store[key] = value;
      (waiting[key] || []).forEach(function (done) { done(value); });
      delete waiting[key];
    }
  };

  /* A data file by key ("e/3" is site/data/e/3.js), loaded once. */
  function load(key) {
    if (Object.prototype.hasOwnProperty.call(store, key)) { return Promise.resolve(store[key]); }
    return new Promise(function (resolve, reject) {
      var first = !waiting[key];
      (waiting[key] = waiting[key] || []).push(resolve);
      if (!first) { return; }
      var script = document.createElement("script");
      script.src = "site/data/" + key + ".js";
      script.onerror = function () { reject(new Error("cannot load " + script.src)); };
      document.head.appendChild(script);
    });
  }

  var LABELS = JSON.parse(document.getElementById("labels").textContent);
  var params = new URLSearchParams(window.location.search);
  var lang = params.get("lang") || safeStorage("get") || "es";
  if (!LABELS.toggle[lang]) { lang = "es"; }

  function safeStorage(action, value) {
    try {
      if (action === "get") { return window.localStorage.getItem("ocds-lang"); }
      window.localStorage.setItem("ocds-lang", value);
    } catch (error) { /* storage refused (private mode): the toggle still works on this page */ }
    return null;
  }

  function T(key) { return (LABELS[key] || {})[lang] || key; }
  /* A codelist value in the page's language (the code itself when it has no label). */
  function codeLabel(value) { return value === null || value === undefined ? null : LABELS["code_" + value] ? T("code_" + value) : String(value); }

  /* An element with attributes and children (strings become text nodes). */
  function el(tag, attributes) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === null || value === undefined || value === false) { return; }
      if (name === "text") { node.textContent = String(value); } else { node.setAttribute(name, String(value)); }
    });
    for (var i = 2; i < arguments.length; i++) { append(node, arguments[i]); }
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) { return; }
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }

  /* Only web links are followed; anything else (javascript:, data:) is shown as text. */
  function safeUrl(url) { return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null; }

  /* Chart labels: plotly reads a few HTML tags in labels, so data is escaped to show as typed. */
  function plain(value) {
    return String(value === null || value === undefined ? "–" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function locale() { return lang === "es" ? "es-EC" : "en-US"; }
  function number(value, digits) {
    if (value === null || value === undefined || value !== value) { return "–"; }
    return Number(value).toLocaleString(locale(), { maximumFractionDigits: digits === undefined ? 2 : digits });
  }
  function percent(value) {
    return Number(value).toLocaleString(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }) + " %";
  }
  function usd(value) { return value === null || value === undefined ? "–" : "$ " + number(value, 2); }
  function amount(pair) { return pair ? number(pair[0], 2) + " " + (pair[1] || "") : "–"; }
  function bytes(size) {
    var units = ["B", "KB", "MB", "GB"], i = 0;
    while (size >= 1024 && i < units.length - 1) { size /= 1024; i++; }
    return number(size, 1) + " " + units[i];
  }
  function normal(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function table(target, headers, rows) {
    clear(target);
    target.appendChild(el("thead", {}, el("tr", {}, headers.map(function (h) { return el("th", { scope: "col", text: h }); }))));
    target.appendChild(el("tbody", {}, rows.map(function (row) {
      return el("tr", {}, row.map(function (cell) { return el("td", {}, cell); }));
    })));
  }

  function indicatorValue(info, value) {
    if (value === null || value === undefined) { return "–"; }
    if (info && info.kind === "share") { return percent(100 * value); }
    return number(value, 2);
  }


  /* plotly.js (4.6 MB) is loaded only once the page is rendered: the tables and filters are usable
   * before it arrives, and each chart is drawn (with its latest data) as soon as it has. */
  var pendingCharts = {};
  var plotly = null;
  function chart(target, labels, values, info) {
    if (window.Plotly) { draw(target, labels, values, info); return; }
    pendingCharts[target.id] = [target, labels, values, info];
    if (plotly) { return; }
    plotly = document.createElement("script");
    plotly.src = "site/assets/plotly.min.js";
    plotly.addEventListener("load", function () {
      var pending = pendingCharts;
      pendingCharts = {};
      Object.keys(pending).forEach(function (id) { draw.apply(null, pending[id]); });
    });
    plotly.addEventListener("error", function () { failed(new Error("cannot load " + plotly.src)); });
    window.setTimeout(function () { document.head.appendChild(plotly); }, 0);
  }

  function draw(target, labels, values, info) {
    var data = [{ type: "bar", x: labels.map(plain), y: values, marker: { color: "#1f6f8b" },
                  hovertemplate: "%{x}: %{y}<extra></extra>" }];
    var layout = { margin: { t: 10, r: 10, b: 90, l: 60 }, height: 320,
                   yaxis: { title: { text: info && info.kind === "share" ? "%" : plain(info ? info.unit : "") }, rangemode: "tozero" },
                   xaxis: { type: "category", automargin: true } };
    window.Plotly.react(target, data, layout, { displaylogo: false, responsive: true });
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    Array.prototype.forEach.call(document.querySelectorAll("[data-t]"), function (node) {
      node.textContent = T(node.getAttribute("data-t"));
    });
  }

  function name(info) { return info ? (lang === "es" ? info.name_es : info.name_en) : ""; }

  // -- pages ---------------------------------------------------------------------------------
  var pages = {};

  pages.index = function () {
    var summary = store.summary;
    var facts = [[T("processes_n"), number(summary.processes, 0)], [T("releases_n"), number(summary.releases, 0)],
                 [T("years"), Object.keys(summary.processes_by_year).filter(function (y) { return /^\d{4}$/.test(y); }).join(", ")],
                 [T("last_update"), (summary.latest_date || "").slice(0, 10)]];
    var list = clear(document.getElementById("coverage"));
    facts.forEach(function (fact) { list.appendChild(el("dt", { text: fact[0] })); list.appendChild(el("dd", { text: fact[1] })); });
    var years = Array.from(new Set(summary.headline.map(function (r) { return r.year; }))).sort().slice(-3);
    var codes = Array.from(new Set(summary.headline.map(function (r) { return r.indicator; })));
    var rows = codes.map(function (code) {
      var any = summary.headline.find(function (r) { return r.indicator === code; });
      var info = { kind: any.percent !== null || any.unit.indexOf("share") === 0 ? "share" : "other" };
      var cells = [el("a", { href: "indicadores.html?indicator=" + encodeURIComponent(code), text: lang === "es" ? any.name_es : any.name_en })];
      years.forEach(function (year) {
        var row = summary.headline.find(function (r) { return r.indicator === code && r.year === year; });
        cells.push(row ? (any.unit === "USD" ? usd(row.rounded) : indicatorValue(info, row.value)) : "–");
      });
      cells.push(code === "SB-C" ? T("baseline_sb") : (code === "RE-A" || code === "RE-P") ? T("baseline_re") : "");
      return cells;
    });
    table(document.getElementById("headline"), [T("indicator")].concat(years.map(String), [T("baseline")]), rows);
  };

  var DIMENSIONS = ["regime", "province", "procedure_type"];

  /* An indicator's rows (i/<code>.js) as objects with the fields of indicators.json. */
  function indicatorRows(code) {
    var fields = store.indicators.fields;
    var objects = function (rows) {
      return rows.map(function (row) { var o = {}; fields.forEach(function (f, i) { o[f] = row[i]; }); return o; });
    };
    return load("i/" + code).then(function (data) {
      var buyers = {};
      Object.keys(data.buyers).forEach(function (year) { buyers[year] = objects(data.buyers[year]); });
      return { rows: objects(data.rows), buyers: buyers };
    });
  }

  pages.indicadores = function () {
    var data = store.indicators;
    var registry = {};
    data.registry.forEach(function (info) { registry[info.code] = info; });
    var form = document.getElementById("filters");
    var select = function (id) { return document.getElementById(id); };
    if (!form.dataset.ready) {
      var chosen = params.get("indicator") || "SB-C";
      data.registry.forEach(function (info) { select("f-indicator").appendChild(el("option", { value: info.code, selected: info.code === chosen })); });
      data.years.forEach(function (y, i) { select("f-year").appendChild(el("option", { value: y, text: y, selected: i === data.years.length - 1 })); });
      DIMENSIONS.forEach(function (dimension) {
        var target = select("f-" + dimension);
        target.appendChild(el("option", { value: "", "data-t": "all", text: T("all") }));
        data.values[dimension].forEach(function (v) { target.appendChild(el("option", { value: v, text: dimension === "regime" ? codeLabel(v) : v })); });
      });
      form.addEventListener("change", function (event) {
        var changed = event.target.getAttribute("data-dimension");
        if (changed) {  // one breakdown filter at a time: the publication has year × one dimension
          DIMENSIONS.forEach(function (d) { if (d !== changed) { select("f-" + d).value = ""; } });
        }
        pages.indicadores();
      });
      form.dataset.ready = "1";
    }
    Array.prototype.forEach.call(select("f-indicator").options, function (option) { option.textContent = option.value + " · " + name(registry[option.value]); });
    Array.prototype.forEach.call(select("f-regime").options, function (option) { if (option.value) { option.textContent = codeLabel(option.value); } });
    var code = select("f-indicator").value;
    var info = registry[code];
    var year = Number(select("f-year").value);
    document.getElementById("indicator-name").textContent = code + " · " + name(info);
    document.getElementById("indicator-definition").textContent = T("definition") + ": " +
      (lang === "es" ? info.definition_es : info.definition_en) + (info.notes ? " " + T("technical_notes") + ": " + info.notes : "");
    document.getElementById("indicator-source").textContent = T("source") + ": " + info.source;
    var ranking = data.ranking[String(year)] || [];
    table(document.getElementById("ranking"), [T("rank"), T("supplier"), "RUC", T("awarded_value"), T("processes_n")],
      ranking.map(function (r) {
        return [String(r[0]), el("a", { href: "entidad.html?id=" + encodeURIComponent(r[3]), text: r[1] || r[3] }), r[2] || "–", usd(r[4]), number(r[5], 0)];
      }));

    indicatorRows(code).then(function (indicator) {
      if (select("f-indicator").value !== code) { return; }  // another indicator was chosen meanwhile
      var filter = DIMENSIONS.filter(function (d) { return select("f-" + d).value; })[0];
      var overTime = indicator.rows.filter(function (r) {
        return filter ? r.grouping === "year+" + filter && r[filter] === select("f-" + filter).value : r.grouping === "year";
      }).sort(function (a, b) { return a.year - b.year; });
      show("years", overTime.map(function (r) { return r.year; }), overTime, info);

      var months = filter ? [] : indicator.rows.filter(function (r) { return r.grouping === "month" && r.month; });
      var latestYears = Array.from(new Set(months.map(function (r) { return r.month.slice(0, 4); }))).sort().slice(-2);
      months = months.filter(function (r) { return latestYears.indexOf(r.month.slice(0, 4)) >= 0; })
        .sort(function (a, b) { return a.month < b.month ? -1 : 1; });
      show("months", months.map(function (r) { return r.month; }), months, info);

      var dimension = select("f-dimension").value;
      var rows = dimension === "buyer" ? (indicator.buyers[String(year)] || []) : indicator.rows.filter(function (r) {
        return r.grouping === "year+" + dimension && r.year === year;
      });
      show("dimension", rows.map(function (r) { return r[dimension] === null ? "–" : dimension === "regime" ? codeLabel(r.regime) : r[dimension]; }), rows, info);
    }, failed);
  };

  /* A chart and the table of its numbers: the indicator files' own figures (percent for shares,
   * rounded to cents otherwise), so what is drawn is what can be downloaded. */
  function show(which, labels, rows, info) {
    var share = info.kind === "share";
    chart(document.getElementById("chart-" + which), labels, rows.map(function (r) { return share ? r.percent : r.rounded; }), info);
    table(document.getElementById("table-" + which), ["", T("value"), T("numerator"), T("denominator"), T("eligible")],
      rows.map(function (r, i) {
        return [String(labels[i]), indicatorValue(info, r.value), number(r.numerator), number(r.denominator), number(r.eligible, 0)];
      }));
  }

  pages.procesos = function () {
    var summary = store.summary;
    var form = document.getElementById("search");
    var years = Object.keys(summary.search_parts).sort();
    var yearSelect = document.getElementById("s-year");
    if (!form.dataset.ready) {
      years.forEach(function (y, i) {
        yearSelect.appendChild(el("option", { value: y, text: y, selected: params.get("year") ? params.get("year") === y : i === years.length - 1 }));
      });
      ["q", "buyer", "supplier"].forEach(function (key) {
        if (params.get(key)) { document.getElementById(key === "q" ? "q" : "s-" + key).value = params.get(key); }
      });
      form.addEventListener("submit", function (event) { event.preventDefault(); search(); });
      yearSelect.addEventListener("change", search);
      form.dataset.ready = "1";
    }
    search();
  };

  function options(target, values, chosen) {
    var current = target.value || chosen || "";
    clear(target).appendChild(el("option", { value: "", text: T("all") }));
    values.forEach(function (v) { target.appendChild(el("option", { value: v, text: v, selected: v === current })); });
  }

  /* A year's search index comes in parts (search/<year>-<n>.js); results are shown as each arrives. */
  var searchToken = 0;
  function search() {
    var year = document.getElementById("s-year").value;
    var parts = store.summary.search_parts[year] || 0;
    var token = ++searchToken, rows = [];
    document.getElementById("count").textContent = T("loading");
    var next = function (part) {
      if (token !== searchToken) { return; }  // a newer search started
      if (part >= parts) { results(rows, true); return; }
      load("search/" + year + "-" + part).then(function (chunk) {
        rows = rows.concat(chunk);
        results(rows, part === parts - 1);
        next(part + 1);
      }, failed);
    };
    next(0);
  }

  function results(rows, complete) {
    var types = document.getElementById("s-type"), regimes = document.getElementById("s-regime");
    options(types, Array.from(new Set(rows.map(function (r) { return r[6]; }).filter(Boolean))).sort(), params.get("type"));
    options(regimes, Array.from(new Set(rows.map(function (r) { return r[7]; }).filter(Boolean))).sort(), params.get("regime"));
    var q = normal(document.getElementById("q").value).trim();
    var buyer = normal(document.getElementById("s-buyer").value).trim();
    var supplier = normal(document.getElementById("s-supplier").value).trim();
    var found = rows.filter(function (r) {
      if (types.value && r[6] !== types.value) { return false; }
      if (regimes.value && r[7] !== regimes.value) { return false; }
      if (buyer && normal(r[2] + " " + r[3]).indexOf(buyer) < 0) { return false; }
      if (supplier && normal(r[4].join(" ") + " " + r[5].join(" ")).indexOf(supplier) < 0) { return false; }
      return !q || normal([r[0], r[1], r[3]].concat(r[5]).join(" ")).indexOf(q) >= 0;
    });
    document.getElementById("count").textContent = number(found.length, 0) + " " + T("results") +
      (found.length > 100 ? " (" + T("showing_first") + " 100)" : "") + (complete ? "" : " … " + T("loading"));
    table(document.getElementById("results"), ["ocid", T("title"), T("buyer"), T("supplier"), T("procedure_type"), T("amount"), T("date")],
      found.slice(0, 100).map(function (r) {
        return [el("a", { href: "proceso.html?ocid=" + encodeURIComponent(r[0]) + "&s=" + encodeURIComponent(r[10]), text: r[0] }), r[1] || "–",
                el("a", { href: "entidad.html?id=" + encodeURIComponent(r[2]), text: r[3] || r[2] }),
                r[4].map(function (id, i) { return [i ? ", " : "", el("a", { href: "entidad.html?id=" + encodeURIComponent(id), text: r[5][i] || id })]; }),
                r[6] || "–", usd(r[8]), r[9] || "–"];
      }));
    var organisations = {};
    found.forEach(function (r) {
      organisations[r[2]] = r[3];
      r[4].forEach(function (id, i) { organisations[id] = r[5][i]; });
    });
    var list = clear(document.getElementById("entity-results"));
    Object.keys(organisations).filter(function (id) {
      return !q || normal(id + " " + organisations[id]).indexOf(q) >= 0;
    }).sort().slice(0, 30).forEach(function (id) {
      list.appendChild(el("li", {}, el("a", { href: "entidad.html?id=" + encodeURIComponent(id), text: organisations[id] || id })));
    });
  }

  /* The shard that holds a key: the last shard whose first key is not after it. */
  function shardOf(firsts, key) {
    var low = 0, high = firsts.length - 1, found = 0;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (firsts[middle] <= key) { found = middle; low = middle + 1; } else { high = middle - 1; }
    }
    return found;
  }

  function entry(kind, key) {
    return load(kind + "/index").then(function (firsts) { return load(kind + "/" + shardOf(firsts, key)); })
      .then(function (items) { return items[key]; });
  }

  /* A process page with its red flags. Pages come per year in shards (p/<year>-<n>), their red flags beside
   * them (pf/<year>-<n>); a link from the search names the shard, a bare ?ocid= link looks in p/index, the
   * [shard, first ocid, last ocid] of every shard (years overlap in ocid order: each candidate is tried). */
  function processEntry(ocid, shard) {
    var names = /^[A-Za-z0-9_-]+$/.test(shard || "") ? Promise.resolve([shard])
      : load("p/index").then(function (shards) {
        return shards.filter(function (s) { return s[1] <= ocid && ocid <= s[2]; }).map(function (s) { return s[0]; });
      });
    function first(candidates) {
      if (!candidates.length) { return Promise.resolve(null); }
      return load("p/" + candidates[0]).then(function (items) {
        if (!Object.prototype.hasOwnProperty.call(items, ocid)) { return first(candidates.slice(1)); }
        return load("pf/" + candidates[0]).then(function (flags) {
          var process = items[ocid];
          process.flags = Object.prototype.hasOwnProperty.call(flags, ocid) ? flags[ocid] : [];
          return process;
        });
      });
    }
    return names.then(first);
  }

  function notFound(target, key) {
    clear(target).appendChild(el("h1", { text: T("not_found") }));
    target.appendChild(el("p", { text: key || "" }));
  }

  function failed(error) {
    var main = document.querySelector("main");
    main.appendChild(el("p", { class: "error", role: "alert", text: String(error && error.message || error) }));
  }

  function facts(pairs) {
    var list = el("dl", { class: "facts" });
    pairs.forEach(function (pair) {
      if (pair[1] === null || pair[1] === undefined || pair[1] === "") { return; }
      list.appendChild(el("dt", { text: pair[0] }));
      list.appendChild(el("dd", {}, pair[1]));
    });
    return list;
  }

  function entityLink(org) {
    return org && org.id ? el("a", { href: "entidad.html?id=" + encodeURIComponent(org.id), text: org.name || org.id }) : "–";
  }

  var EVENTS = { tender: ["Convocatoria", "Tender"], tender_end: ["Cierre de ofertas", "Bids close"],
                 amendment: ["Modificación", "Amendment"], award: ["Adjudicación", "Award"],
                 contract: ["Contrato firmado", "Contract signed"], payment: ["Pago", "Payment"] };

  function flagBlock(code, flags) {
    var text = flags[code] ? flags[code][lang] : null;
    if (!text) { return el("li", { text: code }); }
    var threshold = flags[code].threshold;
    return el("li", {}, el("strong", { text: text.what }), " (" + code + ")",
      el("p", {}, T("threshold") + ": " + text.threshold.replace("{threshold}", threshold === null || threshold === undefined ? "–" : String(threshold))),
      el("p", {}, T("why_matters") + ": " + text.why));
  }

  pages.proceso = function () {
    var target = document.getElementById("process");
    var ocid = params.get("ocid");
    if (!ocid) { notFound(target, ""); return; }
    processEntry(ocid, params.get("s")).then(function (process) {
      if (!process) { notFound(target, ocid); return; }
      clear(target);
      document.title = (process.title || process.ocid) + " · " + T("site_title");
      target.appendChild(el("h1", { text: process.title || process.ocid }));
      if (process.description) { target.appendChild(el("p", { text: process.description })); }
      target.appendChild(facts([["ocid", process.ocid], [T("buyer"), entityLink(process.buyer)], [T("procedure_type"), process.type],
        [T("method"), codeLabel(process.method)], [T("regime"), codeLabel(process.regime)], [T("status"), codeLabel(process.status)],
        [T("amount"), amount(process.value)], [T("tenderers"), process.tenderers === null ? null : String(process.tenderers)]]));
      target.appendChild(el("h2", { text: T("red_flags") }));
      var flags = store.summary.flags;
      target.appendChild(process.flags.length ? el("ul", { class: "flags" }, process.flags.map(function (code) { return flagBlock(code, flags); }))
                                             : el("p", { text: T("no_flags") }));
      target.appendChild(el("h2", { text: T("timeline") }));
      target.appendChild(el("ol", { class: "timeline" }, process.timeline.map(function (event) {
        var label = EVENTS[event[1]] ? EVENTS[event[1]][lang === "es" ? 0 : 1] : event[1];
        var detail = Array.isArray(event[2]) ? amount(event[2]) : event[1] === "award" ? codeLabel(event[2]) : event[2];
        return el("li", {}, el("time", { datetime: event[0], text: event[0].slice(0, 10) }), " ", el("strong", { text: label }), detail ? " · " + detail : "");
      })));
      target.appendChild(el("h2", { text: T("releases_list") + " (" + process.releases.length + ")" }));
      target.appendChild(el("ol", { id: "releases" }, process.releases.map(function (release) {
        return el("li", {}, el("time", { datetime: release[0], text: release[0].slice(0, 10) }), " ",
          el("strong", { text: release[1].map(codeLabel).join(", ") }), " · ", el("code", { text: release[2] }));
      })));
      var awards = el("table", { id: "awards" });
      table(awards, ["id", T("status"), T("date"), T("amount"), T("supplier")], process.awards.map(function (a) {
        return [a.id || "–", codeLabel(a.status) || "–", (a.date || "–").slice(0, 10), amount(a.value),
                a.suppliers.map(function (s, i) { return [i ? ", " : "", entityLink(s)]; })];
      }));
      target.appendChild(el("h2", { text: T("awards") }));
      target.appendChild(awards);
      var contracts = el("table", { id: "contracts" });
      table(contracts, ["id", T("status"), T("date"), T("amount"), T("amendments"), T("paid")], process.contracts.map(function (c) {
        return [c.id || "–", codeLabel(c.status) || "–", (c.signed || "–").slice(0, 10), amount(c.value), String(c.amendments), number(c.paid)];
      }));
      target.appendChild(el("h2", { text: T("contracts") }));
      target.appendChild(contracts);
      var parties = el("table", { id: "parties" });
      table(parties, [T("parties"), "RUC", T("roles")], process.parties.map(function (p) {
        return [entityLink(p), p.identifier || "–", (p.roles || []).map(codeLabel).join(", ")];
      }));
      target.appendChild(el("h2", { text: T("parties") }));
      target.appendChild(parties);
      target.appendChild(el("h2", { text: T("documents") + " (" + process.documents_total + ")" }));
      target.appendChild(el("ul", {}, process.documents.map(function (d) {
        var url = safeUrl(d.url);
        var label = (d.title || d.type || d.url || "–") + (d.date ? " · " + d.date.slice(0, 10) : "");
        return el("li", {}, url ? el("a", { href: url, rel: "noopener noreferrer", text: label }) : label);
      })));
      var blob = new Blob([JSON.stringify(process, null, 2)], { type: "application/json" });
      var records = store.summary.records[process.year];
      target.appendChild(el("p", {}, el("a", { href: URL.createObjectURL(blob), download: process.ocid.replace(/[^A-Za-z0-9._-]/g, "_") + ".json", text: T("json") }),
        records ? [" · ", el("a", { href: records, text: T("records_file") + " " + process.year })] : null));
    }, failed);
  };

  function ratio(top, bottom) { return bottom ? percent(100 * top / bottom) + " (" + number(top, 0) + " / " + number(bottom, 0) + ")" : "–"; }

  pages.entidad = function () {
    var target = document.getElementById("entity");
    var id = params.get("id");
    if (!id) { notFound(target, ""); return; }
    entry("e", id).then(function (org) {
      if (!org) { notFound(target, id); return; }
      clear(target);
      document.title = (org.name || org.id) + " · " + T("site_title");
      target.appendChild(el("h1", { text: org.name || org.id }));
      target.appendChild(facts([["id", org.id], ["RUC", org.identifier], [T("flagged_processes"), org.flagged ? String(org.flagged) : null]]));
      var years = Object.keys(org.bought);
      if (years.length) {
        target.appendChild(el("h2", { text: T("as_buyer") }));
        var bought = el("table", { id: "bought" });
        table(bought, [T("year"), T("processes_n"), T("awarded_value"), T("single_bidder_share"), T("special_share"), T("flagged_processes")],
          years.map(function (y) {
            var t = org.bought[y];
            return [y, number(t[0], 0), usd(t[1]), ratio(t[2], t[3]), ratio(t[4], t[5]), number(t[6], 0)];
          }));
        target.appendChild(bought);
        target.appendChild(el("h3", { text: T("procedure_type") }));
        target.appendChild(el("ul", {}, Object.keys(org.types).map(function (type) { return el("li", { text: type + ": " + org.types[type] }); })));
        target.appendChild(el("h3", { text: T("largest_counterparts") }));
        target.appendChild(counterparts(org.suppliers));
      }
      var sold = Object.keys(org.sold);
      if (sold.length) {
        target.appendChild(el("h2", { text: T("as_supplier") }));
        var soldTable = el("table", { id: "sold" });
        table(soldTable, [T("year"), T("processes_n"), T("awarded_value")], sold.map(function (y) { return [y, number(org.sold[y][0], 0), usd(org.sold[y][1])]; }));
        target.appendChild(soldTable);
        target.appendChild(el("h3", { text: T("largest_counterparts") }));
        target.appendChild(counterparts(org.buyers));
      }
      var codes = Object.keys(org.flags);
      if (codes.length) {
        target.appendChild(el("h2", { text: T("entity_flags") }));
        target.appendChild(el("ul", { class: "flags" }, codes.map(function (code) { return flagBlock(code, store.summary.flags); })));
      }
      var spendYears = years.length ? years : sold;
      var values = spendYears.map(function (y) { return years.length ? org.bought[y][1] : org.sold[y][1]; });
      chart(document.getElementById("chart-spending"), spendYears, values, { kind: "total", unit: "USD" });
    }, failed);
  };

  function counterparts(list) {
    return el("ol", {}, list.map(function (item) {
      return el("li", {}, el("a", { href: "entidad.html?id=" + encodeURIComponent(item[0]), text: item[1] || item[0] }), " · " + usd(item[2]));
    }));
  }

  pages.descargas = function () {
    var files = store.downloads.filter(function (f) { return f.path.indexOf("site/") !== 0 && !/\.html$/.test(f.path) || /^quality\//.test(f.path); });
    table(document.getElementById("files"), [T("file"), T("format"), T("size"), T("rows"), T("date"), T("sha256")],
      files.map(function (f) {
        var coverage = f.temporal ? (f.temporal.start || "").slice(0, 10) + " – " + (f.temporal.end || "").slice(0, 10) : "";
        return [el("a", { href: f.path, text: f.path }), f.format + (f.compression ? ".gz" : ""), bytes(f.bytes),
                number(f.rows !== undefined ? f.rows : f.processes !== undefined ? f.processes : f.records, 0), coverage,
                el("code", { text: f.hash.replace("sha256:", "") })];
      }));
  };

  function render() {
    applyLanguage();
    var page = document.body.getAttribute("data-page");
    try { pages[page](); } catch (error) { failed(error); }
  }

  document.getElementById("lang").addEventListener("click", function () {
    lang = lang === "es" ? "en" : "es";
    safeStorage("set", lang);
    render();
  });
  // The page's data files come after this script; they have all run by DOMContentLoaded.
  document.addEventListener("DOMContentLoaded", render);
}());
