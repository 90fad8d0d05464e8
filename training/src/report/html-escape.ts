/**
 * Escaping for text placed in HTML or inline SVG, as element content or inside a quoted attribute.
 * Everything the report shows (model names, feature names, gate reasons) ultimately comes from config or
 * data files, so every string goes through here: the report must stay inert even for a model called
 * `<script>`. Single and double quotes are escaped too so the same function is safe in either quoting.
 */

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}
