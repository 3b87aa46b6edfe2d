// The Paper record (zod), its stable id for sources without one, and the content hash of what gets embedded.
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const MAX_ABSTRACT_BYTES = 100_000;
/** Longest title shown for a paper whose source gave none (derived from its first sentence). */
export const DISPLAY_TITLE_CHARS = 150;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export const PaperSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\s/?#]+(?:\/[^\s/?#]+)?$/, 'id must be one token without spaces, ? or # (one "/" allowed, as in old arXiv ids)'),
  /** '' when the source gave none: the paper is shown under displayTitle(). A paper has a title, an abstract or both. */
  title: z.string().max(2_000),
  /** '' for a title-only record (bibliographic sources): it is embedded and searched by its title. */
  abstract: z.string(),
  authors: z.array(z.string().min(1).max(500)).max(5_000),
  date: z.string().regex(ISO_DATE).optional(),
  year: z.number().int().min(1000).max(3000).optional(),
  categories: z.array(z.string().min(1).max(200)).max(100),
  url: z.string().url().optional(),
  doi: z.string().min(1).max(300).optional(),
});
export type Paper = z.infer<typeof PaperSchema>;

/** JSON type name for error messages ("array", "null" rather than typeof's "object"). */
const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** A paper as a source may give it: id optional, lists possibly absent. */
export const PaperInputSchema = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  title: z.string({ error: (i) => `title must be a string, got ${kindOf(i.input)}` }).optional(),
  abstract: z.string({ error: (i) => `abstract must be a string, got ${kindOf(i.input)}` }).optional(),
  authors: z.union([z.array(z.string()), z.string()], { error: 'must be a list of names (strings) or one string' }).optional(),
  date: z.string().optional(),
  year: z.number().int().optional(),
  categories: z.union([z.array(z.string()), z.string()], { error: 'must be a list of categories (strings) or one string' }).optional(),
  url: z.string().optional(),
  doi: z.string().optional(),
});
export type PaperInput = z.infer<typeof PaperInputSchema>;

/** Collapses whitespace (including LaTeX-style hard line breaks) to single spaces. */
export const cleanText = (s: string): string => s.replace(/\\\\/g, ' ').replace(/\s+/g, ' ').trim();

/** A readable, URL-safe slug of a title. */
export function slugify(title: string, maxLen = 60): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = slug.length > maxLen ? slug.slice(0, maxLen).replace(/-[^-]*$/, '') : slug;
  return cut || 'paper';
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * Id for a paper whose source gives none: title slug + 6 hex of the normalised title's hash.
 * Derived from the title alone so that fixing a typo in the abstract keeps the id (and links) stable.
 */
export function paperIdFromTitle(title: string): string {
  return `${slugify(title)}-${sha256(cleanText(title).toLowerCase()).slice(0, 6)}`;
}

/** Words before a full stop that does not end a sentence ("e.g.", "et al.", "Fig. 3"). */
const ABBREVIATION = /(?:^|[\s(])(?:e\.g|i\.e|et al|etc|vs|cf|fig|figs|eq|eqs|no|approx|resp|dr|prof|[a-z])\.$/i;

/** The first sentence of a text: up to the first ".", "!" or "?" followed by a space (or the end), abbreviations skipped. */
export function firstSentence(text: string): string {
  for (const m of text.matchAll(/[.!?](?=\s|$)/g)) {
    const upTo = text.slice(0, m.index + 1);
    if (m[0] === '.' && ABBREVIATION.test(upTo)) continue;
    // A title carries no closing full stop ("... slipstream ." in Cranfield's spacing loses " ." too); ? and ! stay.
    return (m[0] === '.' ? upTo.slice(0, -1) : upTo).trim();
  }
  return text.trim();
}

/** Text cut at a word boundary to at most `max` characters, "…" marking the cut. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  // A single overlong word (a URL, a formula) is cut mid-word rather than left empty.
  return `${(space > 0 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, '')}…`;
}

/** The title to show for a paper: its own, else the first sentence of its abstract, shortened. */
export const displayTitle = (p: { title: string; abstract: string }): string => p.title || shorten(firstSentence(p.abstract), DISPLAY_TITLE_CHARS);

/**
 * The text embedded for a paper: "title. abstract", or whichever of the two it has alone (a title-only record is
 * embedded as its title, not as "title. "; an untitled one as its abstract, without a derived title repeating it).
 */
export const passageText = (p: { title: string; abstract: string }): string => (p.title && p.abstract ? `${p.title}. ${p.abstract}` : p.title || p.abstract);

/** Hash of exactly what is embedded (and of the model-independent passage text), so unchanged papers are never re-embedded. */
export const contentHash = (p: { title: string; abstract: string }): string =>
  sha256(`${p.title}\u0000${p.abstract}`).slice(0, 32);

const ARXIV_NEW = /^\d{4}\.\d{4,5}(v\d+)?$/;
const ARXIV_OLD = /^[a-z-]+(\.[A-Z]{2})?\/\d{7}(v\d+)?$/;
export const isArxivId = (id: string): boolean => ARXIV_NEW.test(id) || ARXIV_OLD.test(id);

export type NormalizeResult = { ok: true; paper: Paper } | { ok: false; reason: string };

const listOf = (v: string[] | string | undefined, sep: RegExp): string[] =>
  (Array.isArray(v) ? v : v ? v.split(sep) : []).map(cleanText).filter(Boolean);

/** Turns a source record into a valid Paper, or a one-line reason why it cannot be one. */
export function normalizePaper(input: unknown): NormalizeResult {
  const parsed = PaperInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    // "missing title" already names its field; other messages ("expected string") need it.
    return { ok: false, reason: field && !issue.message.includes(field) ? `${field}: ${issue.message}` : issue.message };
  }
  const r = parsed.data;
  const title = cleanText(r.title ?? '');
  const abstract = cleanText(r.abstract ?? '');
  // Either field alone is a paper (bibliographic sources have titles only, BEIR-style corpora untitled passages).
  if (!title && !abstract) return { ok: false, reason: r.title === undefined && r.abstract === undefined ? 'missing title and abstract' : 'empty title and abstract' };
  if (Buffer.byteLength(abstract) > MAX_ABSTRACT_BYTES) return { ok: false, reason: `abstract over ${MAX_ABSTRACT_BYTES / 1000} KB` };
  // eslint-disable-next-line no-control-regex
  // Invalid UTF-8 bytes are caught per line by the reader; a literal U+FFFD in valid text is kept (real corpora have them).
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(title + abstract)) {
    return { ok: false, reason: 'control characters in title or abstract' };
  }
  const id = r.id !== undefined && String(r.id).trim() ? String(r.id).trim() : paperIdFromTitle(displayTitle({ title, abstract }));
  let date = r.date?.trim() || undefined;
  if (date && /^\d{4}-\d{2}-\d{2}T/.test(date)) date = date.slice(0, 10);
  if (date && !ISO_DATE.test(date)) return { ok: false, reason: `date must be YYYY-MM-DD, got "${date.slice(0, 40)}"` };
  const year = r.year ?? (date ? Number(date.slice(0, 4)) : undefined);
  const url = r.url?.trim() || (isArxivId(id) ? `https://arxiv.org/abs/${id.replace(/v\d+$/, '')}` : undefined);
  const candidate = {
    id,
    title,
    abstract,
    authors: listOf(r.authors, /\s*(?:,|;|\band\b)\s*/),
    date,
    year,
    categories: listOf(r.categories, /\s+/),
    url,
    doi: r.doi?.trim() || undefined,
  };
  const checked = PaperSchema.safeParse(candidate);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return { ok: false, reason: `${issue.path.join('.')}: ${issue.message}` };
  }
  return { ok: true, paper: checked.data };
}
