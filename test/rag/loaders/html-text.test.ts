import { describe, expect, it } from 'vitest';
import { htmlToText } from '../../../src/rag/loaders/index.js';

describe('HTML readable text', () => {
  it('drops scripts, styles, nav, head, noscript and template; keeps the prose in order', () => {
    const html = `<!DOCTYPE html>
<html><head><title>Billing &amp; Plans</title><meta charset="utf-8">
<style>p { color: red } /* <p>not text</p> */</style>
<script>var s = "</div><p>not text</p>"; if (a < b) {}</script></head>
<body>
<nav><ul><li>Home</li><li><nav>Nested menu</nav></li></ul></nav>
<noscript>Enable JavaScript</noscript>
<template><p>template text</p></template>
<!-- a comment with <p>markup</p> -->
<h1>Plans</h1>
<p>The   Pro plan
   costs $20.</p>
<p>Free plan: <b>none</b> of the extras.</p>
</body></html>`;
    const { title, text } = htmlToText(html);
    expect(title).toBe('Billing & Plans');
    expect(text).toBe('# Plans\n\nThe Pro plan costs $20.\n\nFree plan: none of the extras.');
    for (const hidden of ['not text', 'Home', 'Nested menu', 'Enable JavaScript', 'template text', 'markup', 'color']) {
      expect(text).not.toContain(hidden);
    }
  });

  it('decodes named, decimal and hex entities, and leaves unknown names as written', () => {
    const { text } = htmlToText('<p>&lt;tag&gt; &quot;q&quot; &#39;s &#x1F600; caf&eacute; 5&nbsp;kg &copy; &bogus; AT&T</p>');
    expect(text).toBe('<tag> "q" \'s 😀 café 5 kg © &bogus; AT&T');
  });

  it('keeps block structure as newlines: lists, table rows, br, pre', () => {
    const { text } = htmlToText(
      '<div>a<br>b</div><ul><li>one</li><li>two</li></ul><table><tr><th>k</th><td>v</td></tr><tr><td>1</td><td>2</td></tr></table><pre>x  =  1\n  y</pre>',
    );
    expect(text).toBe('a\nb\n\none\ntwo\n\nk\tv\n1\t2\n\nx  =  1\n  y');
  });

  it('tolerates broken markup: unclosed tags, missing </head>, stray <, attributes holding >', () => {
    const { title, text } = htmlToText('<title>T</title><p class="a>b">Hello <i>world<p>2 < 3 and 4 > 1<div>end');
    expect(title).toBe('T');
    expect(text).toBe('Hello world\n\n2 < 3 and 4 > 1\nend');
  });

  it('falls back to the first h1 for a title, and ignores <title> inside svg', () => {
    const { title, text } = htmlToText('<body><svg><title>icon</title></svg><h1>Real &amp; title</h1><p>x</p></body>');
    expect(title).toBe('Real & title');
    expect(text).toBe('# Real & title\n\nx');
  });
});
