import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml } from '../../../training/src/report/html-escape.ts';

test('escapes the five HTML-significant characters, & first', () => {
  assert.equal(escapeHtml(`<script>alert("x" & 'y')</script>`), '&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;');
  assert.equal(escapeHtml('&lt;'), '&amp;lt;');
  assert.equal(escapeHtml(42), '42');
  assert.equal(escapeHtml('fraud rate, 2%'), 'fraud rate, 2%');
});
