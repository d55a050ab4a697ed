// Render CSL-JSON items as a bibliography in one CSL style with citeproc-js (npm "citeproc"),
// the reference CSL processor. Called by scripts/render_styles.py:
//   node scripts/render_styles.js STYLE.csl LOCALE.xml ITEMS.json  ->  [{"id", "text"}, ...] on stdout
// NODE_PATH must find the "citeproc" package (npm install citeproc).
"use strict";
const fs = require("fs");
const CSL = require("citeproc");

const [stylePath, localePath, itemsPath] = process.argv.slice(2);
const items = JSON.parse(fs.readFileSync(itemsPath, "utf8"));
const byId = Object.fromEntries(items.map((item) => [item.id, item]));
const locale = fs.readFileSync(localePath, "utf8");
const sys = { retrieveLocale: () => locale, retrieveItem: (id) => byId[id] };
const engine = new CSL.Engine(sys, fs.readFileSync(stylePath, "utf8"), "en-US", true);
engine.setOutputFormat("text");
engine.updateItems(items.map((item) => item.id));
const [meta, entries] = engine.makeBibliography();
const out = meta.entry_ids.map((ids, k) => ({ id: ids[0], text: entries[k] }));
process.stdout.write(JSON.stringify(out));
