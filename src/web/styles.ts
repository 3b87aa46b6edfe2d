// The stylesheet, served as /assets/app.css (the CSP forbids inline styles); its hash versions the URL for long caching.
import { createHash } from 'node:crypto';

export const CSS = `
:root {
  color-scheme: light dark;
  --bg: #f7f7f5; --card: #ffffff; --fg: #1b1f24; --muted: #59616b; --line: #dfe2e6;
  --accent: #1a56b8; --accent-hover: #12408c; --accent-ink: #ffffff; --focus: #f0b400;
  --mark: #ffe98a; --chip: #eef1f5; --err-bg: #fdecea; --err: #8a1c12; --ok: #1d6b35;
  /* Map colours: Okabe-Ito, distinguishable with the common colour-vision deficiencies; the last is "other". */
  --g0: #0072b2; --g1: #e69f00; --g2: #009e73; --g3: #cc79a7; --g4: #56b4e9; --g5: #d55e00; --g6: #8c8c8c;
  --edge: #8a94a3;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111418; --card: #181c21; --fg: #e6e8eb; --muted: #a2aab4; --line: #2c323a;
    --accent: #7fb0ff; --accent-hover: #a9c9ff; --accent-ink: #0d1624; --focus: #f0b400;
    --mark: #5c4a00; --chip: #232931; --err-bg: #3a1714; --err: #ffb4a8; --ok: #8fd6a4;
    --g0: #4ea3e0; --edge: #5d6673;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  text-rendering: optimizeLegibility;
}
a { color: var(--accent); text-underline-offset: 0.15em; }
a:hover { color: var(--accent-hover); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.wrap { max-width: 46rem; margin: 0 auto; padding: 0 1.25rem; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--card); padding: 0.5rem 1rem; z-index: 10; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

header.site { background: var(--card); border-bottom: 1px solid var(--line); }
header.site .wrap { display: flex; align-items: center; justify-content: space-between; gap: 1rem; min-height: 3.5rem; }
.brand { font-weight: 700; font-size: 1.15rem; letter-spacing: -0.01em; color: var(--fg); text-decoration: none; display: inline-flex; align-items: center; gap: 0.5rem; }
.brand svg { width: 1.4rem; height: 1.4rem; }
nav.site a { color: var(--muted); text-decoration: none; margin-left: 1rem; font-size: 0.95rem; }
nav.site a:hover, nav.site a[aria-current="page"] { color: var(--fg); }
main { padding: 1.75rem 0 3rem; }
footer.site { border-top: 1px solid var(--line); color: var(--muted); font-size: 0.875rem; padding: 1.25rem 0 2rem; }
footer.site a { color: inherit; }

h1 { font-size: 1.75rem; line-height: 1.25; letter-spacing: -0.015em; margin: 0 0 0.75rem; }
h2 { font-size: 1.2rem; line-height: 1.35; margin: 2rem 0 0.75rem; }
.lede { color: var(--muted); margin: 0 0 1.25rem; }

form.search { margin-bottom: 1.5rem; }
.searchbar { display: flex; gap: 0; box-shadow: 0 1px 2px rgb(0 0 0 / 0.06); border-radius: 0.6rem; }
.searchbar input {
  flex: 1; min-width: 0; font: inherit; font-size: 1.0625rem; padding: 0.75rem 0.9rem; color: var(--fg);
  background: var(--card); border: 1px solid var(--line); border-right: 0; border-radius: 0.6rem 0 0 0.6rem;
}
.searchbar input:focus { outline: none; border-color: var(--accent); box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 25%, transparent); }
button, .button {
  font: inherit; font-weight: 600; cursor: pointer; padding: 0.75rem 1.2rem; border-radius: 0 0.6rem 0.6rem 0;
  border: 1px solid var(--accent); background: var(--accent); color: var(--accent-ink);
}
button:hover { background: var(--accent-hover); border-color: var(--accent-hover); }
details.filters { margin-top: 0.75rem; }
details.filters summary { cursor: pointer; color: var(--muted); font-size: 0.95rem; width: max-content; }
details.filters[open] summary { margin-bottom: 0.75rem; }
.filter-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); gap: 0.75rem 1rem; padding: 1rem; background: var(--card); border: 1px solid var(--line); border-radius: 0.6rem; }
.field { display: flex; flex-direction: column; gap: 0.25rem; font-size: 0.9rem; color: var(--muted); }
.field input { font: inherit; color: var(--fg); background: var(--card); padding: 0.45rem 0.6rem; border: 1px solid var(--line); border-radius: 0.4rem; }
fieldset.modes { grid-column: 1 / -1; border: 0; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
fieldset.modes legend { float: left; margin-right: 0.5rem; font-size: 0.9rem; color: var(--muted); }
fieldset.modes label { display: inline-flex; align-items: center; gap: 0.35rem; padding: 0.3rem 0.75rem; border: 1px solid var(--line); border-radius: 999px; cursor: pointer; font-size: 0.9rem; }
fieldset.modes label:has(input:checked) { border-color: var(--accent); color: var(--accent); font-weight: 600; }
fieldset.modes input { accent-color: var(--accent); margin: 0; }

.summary { color: var(--muted); font-size: 0.92rem; margin: 0 0 0.5rem; }
ol.results { list-style: none; margin: 0; padding: 0; }
.result { background: var(--card); border: 1px solid var(--line); border-radius: 0.7rem; padding: 1rem 1.15rem; margin: 0 0 0.85rem; }
.result-head { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem; margin: 0 0 0.35rem; }
.result h2, .result h3 { font-size: 1.1rem; line-height: 1.35; margin: 0; font-weight: 650; }
ol.related .result { padding: 0.75rem 1.15rem; margin-bottom: 0.6rem; }
ol.related .result-head { margin: 0; }
ol.related h3 { font-size: 1rem; }
.result h2 a, .result h3 a { text-decoration: none; }
.result h2 a:hover, .result h3 a:hover { text-decoration: underline; }
.meta { color: var(--muted); font-size: 0.9rem; margin: 0 0 0.45rem; display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; align-items: center; }
.snippet { margin: 0; overflow-wrap: anywhere; }
mark { background: var(--mark); color: inherit; padding: 0 0.1em; border-radius: 0.2em; }
.chips { display: inline-flex; flex-wrap: wrap; gap: 0.3rem; }
.chip { background: var(--chip); color: var(--fg); border-radius: 0.3rem; padding: 0 0.4rem; font-size: 0.8rem; line-height: 1.6; }
a.chip { text-decoration: none; }
.score { flex: none; font-variant-numeric: tabular-nums; font-size: 0.8rem; color: var(--muted); background: var(--chip); border-radius: 0.3rem; padding: 0 0.4rem; }

nav.pager { display: flex; justify-content: space-between; align-items: center; margin-top: 1.25rem; font-size: 0.95rem; }
nav.pager a { font-weight: 600; text-decoration: none; }
nav.pager .disabled { color: var(--muted); }

.notice { background: var(--card); border: 1px solid var(--line); border-radius: 0.7rem; padding: 1rem 1.15rem; }
.notice h2 { margin-top: 0; }
.notice ul { margin: 0.5rem 0 0; padding-left: 1.2rem; }
.error { background: var(--err-bg); color: var(--err); border: 1px solid color-mix(in srgb, var(--err) 30%, transparent); border-radius: 0.6rem; padding: 0.75rem 1rem; margin: 0 0 1.25rem; }
.error p { margin: 0; }
.error ul { margin: 0.35rem 0 0; padding-left: 1.2rem; }
.notice ul.examples { padding-left: 0; }
.examples { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0.75rem 0 0; padding: 0; list-style: none; }
.examples a { display: inline-block; padding: 0.3rem 0.75rem; border: 1px solid var(--line); border-radius: 999px; background: var(--card); text-decoration: none; font-size: 0.92rem; }

article.paper .abstract { font-size: 1.05rem; line-height: 1.7; margin: 1rem 0; overflow-wrap: anywhere; }
article.paper .authors { font-size: 1rem; color: var(--fg); margin: 0 0 0.4rem; }
.links { display: flex; flex-wrap: wrap; gap: 0.75rem; margin: 1rem 0 0; padding: 0; list-style: none; }
.links a { display: inline-block; padding: 0.4rem 0.9rem; border: 1px solid var(--accent); border-radius: 0.5rem; text-decoration: none; font-weight: 600; font-size: 0.95rem; }
.back { display: inline-block; margin-bottom: 1rem; font-size: 0.92rem; text-decoration: none; }
.id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85rem; }

.wrap.wide { max-width: 68rem; }
.with-aside { display: grid; grid-template-columns: minmax(0, 1fr) 15rem; gap: 0 2rem; align-items: start; }
.summary-bar { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: 0.25rem 1rem; margin: 0 0 0.5rem; }
.summary-bar .summary { margin: 0; }
.sort { font-size: 0.92rem; color: var(--muted); }
.sort strong { color: var(--fg); }
.muted { color: var(--muted); }
.note { background: var(--card); border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 0.5rem; padding: 0.6rem 0.9rem; margin: 0 0 1rem; font-size: 0.95rem; }
.actions { margin: 0.5rem 0 0; font-size: 0.9rem; }
a.add { display: inline-block; text-decoration: none; font-weight: 600; padding: 0.15rem 0.6rem; border: 1px solid var(--line); border-radius: 999px; }
a.add:hover { border-color: var(--accent); }
a.add.in-list { color: var(--ok); border-color: color-mix(in srgb, var(--ok) 45%, transparent); }
.add.disabled { color: var(--muted); }
.links a.add { border-radius: 0.5rem; padding: 0.4rem 0.9rem; border-color: var(--accent); }
.follow { margin: 1.5rem 0 0; font-size: 0.92rem; }
.follow a { font-weight: 600; }

aside.facets { background: var(--card); border: 1px solid var(--line); border-radius: 0.7rem; padding: 0.9rem 1rem; font-size: 0.92rem; position: sticky; top: 1rem; }
aside.facets h2 { margin: 0 0 0.25rem; font-size: 1rem; }
aside.facets h3 { margin: 0.9rem 0 0.3rem; font-size: 0.85rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
aside.facets ul { list-style: none; margin: 0; padding: 0; }
aside.facets li { display: flex; justify-content: space-between; gap: 0.5rem; padding: 0.1rem 0; }
aside.facets li a, aside.facets li strong { overflow-wrap: anywhere; }
aside.facets .count { color: var(--muted); font-variant-numeric: tabular-nums; }
aside.facets details summary { cursor: pointer; color: var(--muted); margin-top: 0.2rem; }
.facet-note { color: var(--muted); margin: 0; font-size: 0.85rem; }
ul.clears { margin: 0.6rem 0 0; }
ul.clears a { font-weight: 600; text-decoration: none; }

section.map .lede { font-size: 0.92rem; }
.map-svg { display: block; width: 100%; height: auto; background: var(--card); border: 1px solid var(--line); border-radius: 0.7rem; }
.map-svg .edge { stroke: var(--edge); stroke-linecap: round; }
.map-svg .edge.w1 { stroke-width: 1; stroke-opacity: 0.35; }
.map-svg .edge.w2 { stroke-width: 1.75; stroke-opacity: 0.5; }
.map-svg .edge.w3 { stroke-width: 2.5; stroke-opacity: 0.7; }
.map-svg .dot { stroke: var(--card); stroke-width: 2; }
.map-svg .focus .dot { stroke: var(--fg); stroke-width: 3; }
.map-svg .label { font-size: 11px; fill: var(--fg); paint-order: stroke; stroke: var(--card); stroke-width: 3px; stroke-linejoin: round; }
.map-svg .focus .label { font-weight: 700; }
.map-svg a.node { cursor: pointer; }
.map-svg a.node:hover .dot, .map-svg a.node:focus .dot { stroke: var(--focus); stroke-width: 4; }
.map-svg a.node:hover .label, .map-svg a.node:focus .label { text-decoration: underline; }
.map-svg a.node:focus { outline: none; }
.map-svg a.node:focus-visible .dot { stroke: var(--focus); stroke-width: 5; }
.c0 { fill: var(--g0); background: var(--g0); } .c1 { fill: var(--g1); background: var(--g1); } .c2 { fill: var(--g2); background: var(--g2); }
.c3 { fill: var(--g3); background: var(--g3); } .c4 { fill: var(--g4); background: var(--g4); } .c5 { fill: var(--g5); background: var(--g5); }
.c6 { fill: var(--g6); background: var(--g6); }
.legend { display: flex; flex-wrap: wrap; gap: 0.35rem 1rem; align-items: center; margin: 0.6rem 0 0; font-size: 0.88rem; }
.legend-title { color: var(--muted); }
.legend ul { display: contents; list-style: none; }
.legend li { display: inline-flex; align-items: center; gap: 0.35rem; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 50%; }

section.cite pre.bibtex { background: var(--card); border: 1px solid var(--line); border-radius: 0.5rem; padding: 0.75rem; margin: 0 0 0.5rem; white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.82rem; }
.share .field { max-width: 100%; }
.share input { width: 100%; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85rem; }
.exports { font-size: 0.95rem; }

.docs .op { background: var(--card); border: 1px solid var(--line); border-radius: 0.7rem; padding: 1rem 1.15rem; margin: 0 0 1rem; }
.docs .op h3 { margin: 0 0 0.35rem; font-size: 1.05rem; display: flex; gap: 0.6rem; align-items: baseline; flex-wrap: wrap; }
.docs .verb { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.8rem; font-weight: 700; padding: 0.1rem 0.45rem; border-radius: 0.3rem; background: var(--chip); }
.docs .verb.get { color: var(--ok); } .docs .verb.post { color: var(--accent); }
.docs code, .docs pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85rem; }
.docs pre { background: var(--bg); border: 1px solid var(--line); border-radius: 0.5rem; padding: 0.75rem; overflow-x: auto; }
.docs table { width: 100%; border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0; }
.docs th, .docs td { text-align: left; vertical-align: top; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); }
.docs th { color: var(--muted); font-weight: 600; }
.docs .table-scroll { overflow-x: auto; }
.docs .toc { columns: 2; padding-left: 1.2rem; }

@media (max-width: 52rem) {
  .with-aside { grid-template-columns: minmax(0, 1fr); }
  aside.facets { position: static; margin-top: 1.5rem; }
}
@media (max-width: 36rem) {
  body { font-size: 15.5px; }
  h1 { font-size: 1.45rem; }
  .searchbar { flex-direction: column; gap: 0.5rem; box-shadow: none; }
  .searchbar input { border-right: 1px solid var(--line); border-radius: 0.6rem; }
  button { border-radius: 0.6rem; }
  .result { padding: 0.85rem 0.9rem; }
  .docs .toc { columns: 1; }
}
`;

export const CSS_HASH = createHash('sha256').update(CSS).digest('hex').slice(0, 10);
export const CSS_PATH = `/assets/app.css?v=${CSS_HASH}`;

/** The mark, also the favicon: a magnifier over a page. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="4" y="3" width="18" height="24" rx="3" fill="#1a56b8"/><path d="M8 9h10M8 13h10M8 17h6" stroke="#fff" stroke-width="2" stroke-linecap="round"/><circle cx="21" cy="20" r="6" fill="#fff" stroke="#f0b400" stroke-width="3"/><path d="M25.5 24.5 29 28" stroke="#f0b400" stroke-width="3" stroke-linecap="round"/></svg>`;
