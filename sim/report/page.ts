// The page shell every report shares: one self-contained HTML file, its style, data and script
// inline, so it opens from disk or a CI artifact with no network at all.
import { readFileSync } from 'node:fs';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element (no "</script>", no "<!--"). */
export function scriptJson(data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c');
}

const client = (name: string): string => readFileSync(new URL(`./client/${name}`, import.meta.url), 'utf8');

export function page(o: { readonly title: string; readonly body: string; readonly data: unknown; readonly scripts: readonly string[] }): string {
  const scripts = o.scripts.map(client).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)}</title>
<style>
${client('style.css')}
</style>
</head>
<body>
${o.body}
<script type="application/json" id="report-data">${scriptJson(o.data)}</script>
<script>
(function () {
'use strict';
${scripts}
})();
</script>
</body>
</html>
`;
}
