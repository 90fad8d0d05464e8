/**
 * The page every riskstream HTML report shares: a self-contained document (inline CSS, no script, a
 * Content-Security-Policy that forbids any fetch) with the base style for headings, tables, charts,
 * notes and badges; each report adds its own rules. Used by the training report and the drift report.
 */
import { escapeHtml } from './html-escape.ts';

const BASE_CSS = `
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1180px;padding:0 1rem;color:#1a1a1a;line-height:1.4}
h1{font-size:1.6rem;border-bottom:2px solid #0072B2;padding-bottom:.3rem}
h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
h3{font-size:1rem;margin:1rem 0 .4rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .6rem;text-align:right}
th{background:#f4f6f8}
td.l,th.l{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1rem}
.charts svg{max-width:100%;height:auto;border:1px solid #eee}
.note{color:#555;font-style:italic}
.badge{display:inline-block;padding:.2rem .7rem;border-radius:4px;font-weight:700;color:#fff}
code{font-size:.85rem;background:#f4f6f8;padding:0 .2rem;word-break:break-all}
`;

/** The whole document: `title` escaped, `body` already HTML, `css` the report's own rules. */
export function htmlPage(title: string, body: string, css = ''): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>${BASE_CSS}${css}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}
