// Atom XML: hostile text stays text, characters XML cannot carry are dropped, and the document validates (xmllint + RFC 4287 RNG).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { atomFeed, xmlEscape } from '../../src/web/atom.js';

const XMLLINT = '/usr/bin/xmllint';
const RNG = path.join(import.meta.dirname, '..', 'fixtures', 'atom.rng');

const hostile = `<script>alert("x")</script> & 'q' \u0001\u0008 bad \uD800 lone ]]> end`;
const doc = atomFeed({
  id: 'http://127.0.0.1/feed.atom?q=x',
  title: hostile,
  updated: '2024-01-02T03:04:05.000Z',
  author: 'paperscope',
  generator: { name: 'paperscope', version: '1"2' },
  links: [{ rel: 'self', type: 'application/atom+xml', href: 'http://127.0.0.1/feed.atom?q=x&y="z"' }],
  entries: [
    {
      id: 'http://127.0.0.1/papers/a',
      title: hostile,
      updated: '2024-01-01T00:00:00Z',
      published: '2024-01-01T00:00:00Z',
      authors: [hostile],
      summary: hostile,
      categories: ['cs.<b>LG</b>'],
      links: [{ rel: 'alternate', type: 'text/html', href: 'http://127.0.0.1/papers/a' }],
    },
  ],
});

describe('atom', () => {
  it('escapes markup and drops characters XML 1.0 forbids', () => {
    expect(xmlEscape(hostile)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;q&apos;  bad  lone ]]&gt; end');
    expect(xmlEscape('emoji 👩‍🔬 stays')).toBe('emoji 👩‍🔬 stays');
    expect(doc).not.toContain('<script');
    expect(doc).toContain('<category term="cs.&lt;b&gt;LG&lt;/b&gt;"/>');
  });

  it.skipIf(!existsSync(XMLLINT))('is well-formed and valid against the RFC 4287 schema', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'paperscope-atom-'));
    try {
      const file = path.join(dir, 'feed.xml');
      writeFileSync(file, doc);
      expect(() => execFileSync(XMLLINT, ['--noout', '--relaxng', RNG, file], { stdio: 'pipe' })).not.toThrow();
      // The schema is really checked: a feed without its required <updated> fails.
      writeFileSync(file, doc.replace(/<updated>2024-01-02T03:04:05.000Z<\/updated>/, ''));
      expect(() => execFileSync(XMLLINT, ['--noout', '--relaxng', RNG, file], { stdio: 'pipe' })).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
