// Turns free user text into safe SQLite FTS5 query syntax: words and "quoted phrases" only, never raw operators.

/** Common English words that carry no topic; dropped from OR-queries so they do not dilute BM25 (kept inside phrases). */
const STOPWORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below between both but by
can could did do does doing down during each few for from further had has have having he her here hers herself him
himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other
our ours ourselves out over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which while who whom why will
with would you your yours yourself yourselves paper papers`.split(/\s+/),
);

export interface FtsQuery {
  /** FTS5 MATCH expression, or undefined when the text has no searchable term. */
  match: string | undefined;
  /** Terms (lower-case) for highlighting and explanations. */
  terms: string[];
}

const quote = (t: string): string => `"${t.replace(/"/g, '""')}"`;

/**
 * Quoted phrases stay phrases; other words are OR-ed (BM25 ranks papers matching more of them higher);
 * a trailing * keeps prefix search; a leading - excludes a word. Everything else (operators, parentheses,
 * colons, unbalanced quotes, emoji) is treated as text, so no input can raise an FTS5 syntax error.
 */
export function toFtsQuery(text: string): FtsQuery {
  const positives: string[] = [];
  const negatives: string[] = [];
  const terms: string[] = [];
  /** Stop words skipped, searched only when nothing else is left. */
  const stops: string[] = [];
  const s = text.normalize('NFKC').slice(0, 4096);
  // Balanced "..." pairs are phrases; an unbalanced quote is ignored.
  const parts = s.split('"');
  const balanced = parts.length % 2 === 1 ? parts : [...parts.slice(0, -2), parts.slice(-2).join(' ')];
  balanced.forEach((part, i) => {
    if (i % 2 === 1) {
      const words = (part.match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => w.toLowerCase());
      if (words.length) {
        positives.push(quote(words.join(' ')));
        terms.push(...words);
      }
      return;
    }
    for (const m of part.matchAll(/(^|[\s(])(-?)([\p{L}\p{N}][\p{L}\p{N}]*\*?)|[\p{L}\p{N}]+\*?/gu)) {
      const neg = m[2] === '-';
      let word = (m[3] ?? m[0]).toLowerCase();
      const prefix = word.endsWith('*');
      if (prefix) word = word.slice(0, -1);
      if (!word) continue;
      if (['and', 'or', 'not', 'near'].includes(word) && !prefix && !neg) continue;
      if (neg) {
        negatives.push(quote(word) + (prefix ? '*' : ''));
        continue;
      }
      if (STOPWORDS.has(word) && !prefix) {
        stops.push(word);
        continue;
      }
      positives.push(quote(word) + (prefix ? '*' : ''));
      terms.push(word);
    }
  });
  if (!positives.length) {
    // A query of stop words only ("what is this?"): search them rather than nothing. Excluded words never
    // become search terms: with nothing to include, FTS5 cannot express "everything but -word", so no match.
    if (!stops.length) return { match: undefined, terms: [] };
    positives.push(...stops.map(quote));
    terms.push(...stops);
  }
  const uniq = [...new Set(positives)];
  let match = uniq.length > 1 ? `(${uniq.join(' OR ')})` : uniq[0]!;
  if (negatives.length) match += ` NOT (${[...new Set(negatives)].join(' OR ')})`;
  return { match, terms: [...new Set(terms)] };
}
