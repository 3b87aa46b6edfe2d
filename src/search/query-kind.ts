// What a search-box input is: words, a pasted abstract (semantic-first), or an arXiv id / URL (opens that paper's neighbours).

/** New-style arXiv ids: YYMM.NNNN (2007-2014) or YYMM.NNNNN (2015-), optionally with a version. */
const NEW_ID = String.raw`\d{4}\.\d{4,5}`;
/** Old-style ids: archive (with an optional subject class, e.g. math.AG) / YYMMNNN. */
const OLD_ID = String.raw`[a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7}`;
const VERSION = String.raw`(?:v(\d+))?`;

/** A bare id, optionally prefixed "arXiv:" as papers cite them. */
const BARE = new RegExp(String.raw`^(?:arxiv:\s*)?(${NEW_ID}|${OLD_ID})${VERSION}$`, 'i');
/** arxiv.org/abs|pdf|html/<id>[vN][.pdf], with or without scheme and www. or export. */
const URL_FORM = new RegExp(
  String.raw`^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\/(${NEW_ID}|${OLD_ID})${VERSION}(?:\.pdf)?\/?(?:[?#].*)?$`,
  'i',
);

export interface ArxivRef {
  /** The id without its version: what an index of arXiv records uses as the paper id. */
  id: string;
  version?: number;
}

/** Archive names are lower case (hep-th, math.AG keeps its upper-case subject class); new ids have no letters. */
function canonical(id: string): string {
  const slash = id.indexOf('/');
  if (slash < 0) return id;
  const [archive, cls] = id.slice(0, slash).split('.');
  return `${archive!.toLowerCase()}${cls ? '.' + cls.toUpperCase() : ''}${id.slice(slash)}`;
}

/**
 * The arXiv paper a whole input names, or undefined: `2401.01234`, `2401.01234v2`, `arXiv:2401.01234`,
 * `https://arxiv.org/abs/2401.01234`, `arxiv.org/pdf/2401.01234v1.pdf`, `hep-th/9901001`. Only the whole input
 * counts (a question that mentions an id is still a question).
 */
export function parseArxivRef(input: string): ArxivRef | undefined {
  const s = input.trim();
  if (s.length > 200) return undefined;
  const m = BARE.exec(s) ?? URL_FORM.exec(s);
  if (!m) return undefined;
  const ref: ArxivRef = { id: canonical(m[1]!) };
  if (m[2]) ref.version = Number(m[2]);
  return ref;
}

/** Inputs with more words than this read as a pasted abstract, not a query. */
export const ABSTRACT_MIN_WORDS = 40;

export const wordCount = (s: string): number => s.split(/\s+/).filter(Boolean).length;

export type QueryKind = { kind: 'arxiv'; ref: ArxivRef } | { kind: 'abstract'; words: number } | { kind: 'words'; words: number };

/**
 * How the search box treats an input. A pasted abstract goes semantic-first: hundreds of OR-ed keywords make
 * BM25 match nearly everything, while the abstract's embedding is exactly what the stored vectors are.
 */
export function classifyQuery(input: string): QueryKind {
  const ref = parseArxivRef(input);
  if (ref) return { kind: 'arxiv', ref };
  const words = wordCount(input);
  return words > ABSTRACT_MIN_WORDS ? { kind: 'abstract', words } : { kind: 'words', words };
}
