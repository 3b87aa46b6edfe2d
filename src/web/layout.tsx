// The page shell shared by every page: head (CSS, favicon, no inline script or style), header, footer.
import type { Child } from 'hono/jsx';
import { listHref, listParam } from './format.js';
import { CSS_PATH } from './styles.js';

export interface SiteInfo {
  papers: number;
  model: string;
}

const Logo = () => (
  <svg viewBox="0 0 32 32" aria-hidden="true">
    <rect x="4" y="3" width="18" height="24" rx="3" fill="#1a56b8" />
    <path d="M8 9h10M8 13h10M8 17h6" stroke="#fff" stroke-width="2" stroke-linecap="round" />
    <circle cx="21" cy="20" r="6" fill="#fff" stroke="#f0b400" stroke-width="3" />
    <path d="M25.5 24.5 29 28" stroke="#f0b400" stroke-width="3" stroke-linecap="round" />
  </svg>
);

export function Layout(props: {
  title: string;
  site: SiteInfo;
  current?: 'search' | 'docs' | 'list';
  description?: string;
  /** The visitor's reading list (it travels in page URLs): the header links to it and carries it. */
  list?: readonly string[];
  /** A wider column, for results with facets beside them. */
  wide?: boolean;
  /** An Atom feed of this page's search, announced for feed readers. */
  feed?: { href: string; title: string } | undefined;
  children?: Child;
}) {
  const list = props.list ?? [];
  const home = list.length ? `/?list=${listParam(list)}` : '/';
  const wrap = props.wide ? 'wrap wide' : 'wrap';
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        {props.description ? <meta name="description" content={props.description} /> : null}
        <link rel="stylesheet" href={CSS_PATH} />
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        {props.feed ? <link rel="alternate" type="application/atom+xml" title={props.feed.title} href={props.feed.href} /> : null}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site">
          <div class={wrap}>
            <a class="brand" href={home}>
              <Logo />
              paperscope
            </a>
            <nav class="site" aria-label="Site">
              <a href={home} aria-current={props.current === 'search' ? 'page' : undefined}>
                Search
              </a>
              <a href={listHref(list)} aria-current={props.current === 'list' ? 'page' : undefined}>
                Reading list{list.length ? ` (${list.length})` : ''}
              </a>
              <a href="/docs" aria-current={props.current === 'docs' ? 'page' : undefined}>
                API
              </a>
            </nav>
          </div>
        </header>
        <main id="main">
          <div class={wrap}>{props.children}</div>
        </main>
        <footer class="site">
          <div class={wrap}>
            {props.site.papers.toLocaleString('en-US')} papers · embedded with <span class="id">{props.site.model}</span> ·{' '}
            <a href="/docs">API reference</a>
          </div>
        </footer>
      </body>
    </html>
  );
}

/** A small page for errors (404, 500, 503) on page routes: what happened and where to go next. */
export function ErrorPage(props: { site: SiteInfo; status: number; title: string; detail: string }) {
  return (
    <Layout title={`${props.title} · paperscope`} site={props.site}>
      <div class="notice">
        <h1>{props.title}</h1>
        <p>{props.detail}</p>
        <p>
          <a href="/">Go to the search page</a>
        </p>
      </div>
    </Layout>
  );
}
