// refkit report: the evidence graph as an interactive SVG, filters and search. Plain browser
// JavaScript, no library, no request: everything it reads is in the page (#graph-data).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var svg = document.getElementById("graph-svg");
  var tip = document.getElementById("tooltip");
  var NS = "http://www.w3.org/2000/svg";
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; n.out = []; n.inc = []; });
  data.edges.forEach(function (e) {
    if (byId[e.source] && byId[e.target]) { byId[e.source].out.push(e); byId[e.target].inc.push(e); }
  });
  var columns = { article: 0, therapy: 1, work: 2 };
  var X = [30, 330, 560], ROW = 30, TOP = 40;

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }
  function shorten(text, n) { return text.length > n ? text.slice(0, n - 1) + "\u2026" : text; }

  // Which nodes the filters leave: an article keeps what it cites and names; a therapy keeps the
  // works that back it and the articles that cite those works.
  function visible() {
    var art = document.getElementById("filter-article").value;
    var ther = document.getElementById("filter-therapy").value;
    var keep = {};
    data.nodes.forEach(function (n) { if (columns[n.kind] !== undefined) keep[n.id] = true; });
    if (art) {
      var a = {}; a[art] = true;
      byId[art].out.forEach(function (e) { a[e.target] = true; });
      data.edges.forEach(function (e) {
        if (e.type === "supports" && a[e.target] && e.articles.indexOf(byId[art].stem) >= 0) a[e.source] = true;
      });
      keep = intersect(keep, a);
    }
    if (ther) {
      var t = {}; t[ther] = true;
      byId[ther].out.forEach(function (e) { if (e.type === "supports") t[e.target] = true; });
      Object.keys(t).forEach(function (id) {
        byId[id].inc.forEach(function (e) { if (e.type === "cites") t[e.source] = true; });
      });
      keep = intersect(keep, t);
    }
    return keep;
  }
  function intersect(a, b) { var o = {}; Object.keys(a).forEach(function (k) { if (b[k]) o[k] = true; }); return o; }

  function draw() {
    var keep = visible();
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var cols = [[], [], []];
    data.nodes.forEach(function (n) { if (keep[n.id]) cols[columns[n.kind]].push(n); });
    var rows = Math.max(cols[0].length, cols[1].length, cols[2].length, 1);
    var height = TOP + rows * ROW + 20;
    svg.setAttribute("viewBox", "0 0 1100 " + height);
    svg.setAttribute("height", height);
    ["case reports", "therapies", "cited works"].forEach(function (t, i) {
      el("text", { x: X[i], y: 20, "class": "colhead" }, svg).textContent = t;
    });
    var pos = {};
    cols.forEach(function (list, c) {
      var step = rows * ROW / Math.max(list.length, 1);
      list.forEach(function (n, i) { pos[n.id] = [X[c], TOP + (i + 0.5) * step]; });
    });
    var edges = el("g", { "class": "edges" }, svg);
    data.edges.forEach(function (e) {
      if (!pos[e.source] || !pos[e.target]) return;
      var a = pos[e.source], b = pos[e.target];
      var x1 = a[0] + (byId[e.source].kind === "article" ? 200 : 150);
      var line = el("path", { d: "M" + x1 + "," + a[1] + " C" + (x1 + 60) + "," + a[1] + " " + (b[0] - 60) +
        "," + b[1] + " " + (b[0] - 6) + "," + b[1], "class": "edge " + e.type + " " + (e.evidence || ""),
        "data-source": e.source, "data-target": e.target }, edges);
      line.addEventListener("mousemove", function (ev) { show(ev, edgeText(e)); });
      line.addEventListener("mouseleave", hide);
    });
    var count = { work: 0, therapy: 0, article: 0 };
    data.nodes.forEach(function (n) {
      var p = pos[n.id];
      if (!p) return;
      count[n.kind] += 1;
      var g = el("g", { "class": "node " + n.kind + (n.given && n.given.length ? " given" : ""),
        "data-id": n.id, "data-kind": n.kind, transform: "translate(" + p[0] + "," + p[1] + ")" }, svg);
      if (n.kind === "work") el("rect", { x: -6, y: -6, width: 12, height: 12 }, g);
      else el("circle", { r: n.kind === "article" ? 8 : 7 }, g);
      // An article goes by its file's stem: the name its works' "cited by" lists use.
      var label = n.kind === "work" ? workLabel(n) : n.kind === "article" ? n.stem : n.label;
      el("text", { x: 12, y: 4 }, g).textContent = shorten(label, n.kind === "work" ? 80 : 34);
      g.addEventListener("mousemove", function (ev) { show(ev, nodeText(n)); });
      g.addEventListener("mouseleave", hide);
      g.addEventListener("click", function () { go(n); });
    });
    document.getElementById("graph-count").textContent =
      count.article + " articles, " + count.therapy + " therapies, " + count.work + " works shown";
    search();
  }
  function workLabel(n) {
    var refs = (n.cited || []).map(function (c) { return c.article + " [" + c.n + "]"; }).join(", ");
    return n.label + (refs ? "  \u2014 " + refs : "");
  }
  function nodeText(n) {
    var lines = ["<b>" + esc(n.kind === "article" ? n.stem : n.label) + "</b>"];
    if (n.title) lines.push(esc(n.title));
    if (n.doi) lines.push("doi:" + esc(n.doi) + (n.verified ? "" : " (as printed, not verified)"));
    if (n.pmid) lines.push("PMID " + esc(n.pmid));
    (n.cited || []).forEach(function (c) { lines.push("cited by " + esc(c.article) + " as [" + c.n + "]"); });
    n.inc.concat(n.out).forEach(function (e) { if (e.type === "supports") lines.push(edgeText(e)); });
    if (n.given && n.given.length) lines.push("given in " + esc(n.given.join(", ")));
    return lines.join("<br>");
  }
  function edgeText(e) {
    if (e.type === "supports") {
      return esc(byId[e.source].label) + " \u2192 " + esc(byId[e.target].label) + ": " + esc(e.evidence) +
        " (" + esc(e.detail) + ")";
    }
    if (e.type === "mentions") return esc(byId[e.source].label) + " names " + esc(byId[e.target].label) +
      (e.doses ? " \u2014 " + esc(e.doses) : "");
    return esc(byId[e.source].label) + " cites it as [" + e.n + "]";
  }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }
  function show(ev, text) {
    tip.innerHTML = text; tip.hidden = false;
    var box = svg.parentNode.getBoundingClientRect();
    tip.style.left = (ev.clientX - box.left + 14) + "px"; tip.style.top = (ev.clientY - box.top + 14) + "px";
  }
  function hide() { tip.hidden = true; }
  // A click goes to the reference (a work), the article's section, or filters by the therapy.
  function go(n) {
    if (n.kind === "work" && n.cited && n.cited.length) {
      var art = document.getElementById("filter-article").value;
      var c = n.cited.filter(function (x) { return !art || "article:" + x.article === art; })[0] || n.cited[0];
      jump("ref-" + c.article + "-" + c.n);
    } else if (n.kind === "article") {
      jump("article-" + n.stem);
    } else if (n.kind === "therapy") {
      document.getElementById("filter-therapy").value = n.id; draw();
    }
  }
  function jump(id) {
    var target = document.getElementById(id);
    if (!target) return;
    document.querySelectorAll(".flash").forEach(function (x) { x.classList.remove("flash"); });
    target.classList.add("flash");
    target.scrollIntoView({ block: "center" });
  }
  // Search: reference rows that do not match are hidden; matching graph nodes are marked.
  function search() {
    var q = document.getElementById("search").value.trim().toLowerCase();
    document.querySelectorAll(".refs tbody tr, .therapies tbody tr").forEach(function (tr) {
      tr.hidden = !!q && tr.textContent.toLowerCase().indexOf(q) < 0;
    });
    svg.querySelectorAll("g.node").forEach(function (g) {
      var n = byId[g.getAttribute("data-id")];
      var text = (n.label + " " + n.title + " " + n.doi + " " + (n.pmid || "")).toLowerCase();
      g.classList.toggle("hit", !!q && text.indexOf(q) >= 0);
      g.classList.toggle("dim", !!q && text.indexOf(q) < 0);
    });
  }
  function options(select, kind) {
    data.nodes.filter(function (n) { return n.kind === kind; }).forEach(function (n) {
      var o = document.createElement("option");
      o.value = n.id; o.textContent = kind === "article" ? n.stem + ": " + shorten(n.label, 50) : n.label;
      select.appendChild(o);
    });
    select.addEventListener("change", draw);
  }
  options(document.getElementById("filter-article"), "article");
  options(document.getElementById("filter-therapy"), "therapy");
  document.getElementById("search").addEventListener("input", search);
  draw();
})();
