/**
 * The `runs list --filter` language, compiled to a parameterised DuckDB WHERE clause:
 *
 *   metrics.ap > 0.6 and params.algorithm = 'rf'
 *   (outcome.status = promoted or metrics.auc >= 0.78) and not kind = trial
 *
 * A term is `FIELD OP VALUE`; OP is one of = == != < <= > >=; VALUE is a number, a quoted string or a bare
 * word. FIELD is `metrics.NAME`, `params.NAME` (dotted names allowed: params.gbdt.maxLeaves), `data.NAME`,
 * `outcome.NAME`, or a column: id, parent, model, kind, status, started, ended, code. Terms combine with
 * and, or, not and parentheses. Field names and values never become SQL text: names are checked against a
 * pattern and both go in as bound parameters.
 */
import { UsageError } from '@riskstream/shared';

export interface CompiledFilter {
  readonly sql: string;
  readonly params: (string | number)[];
}

const COLUMNS: Readonly<Record<string, string>> = {
  id: 'id',
  parent: 'parent_id',
  model: 'model',
  kind: 'kind',
  status: 'status',
  started: 'CAST(started_at AS VARCHAR)',
  ended: 'CAST(ended_at AS VARCHAR)',
  code: 'code_version',
};
const JSON_ROOTS = new Set(['metrics', 'params', 'data', 'outcome']);
const OPERATORS = new Set(['=', '==', '!=', '<', '<=', '>', '>=']);
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

type Token = { kind: 'word' | 'string' | 'number' | 'op' | 'paren'; text: string; at: number };

export function compileFilter(text: string): CompiledFilter {
  const tokens = tokenize(text);
  const params: (string | number)[] = [];
  let i = 0;
  const peek = () => tokens[i];
  const fail = (problem: string, at = peek()?.at ?? text.length): never => {
    throw new UsageError(`--filter: ${problem} at column ${at + 1} in ${JSON.stringify(text)}`);
  };
  const keyword = (w: string) => peek()?.kind === 'word' && peek()!.text.toLowerCase() === w;

  const orExpr = (): string => {
    const parts = [andExpr()];
    while (keyword('or')) {
      i++;
      parts.push(andExpr());
    }
    return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
  };
  const andExpr = (): string => {
    const parts = [unary()];
    while (keyword('and')) {
      i++;
      parts.push(unary());
    }
    return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
  };
  const unary = (): string => {
    if (keyword('not')) {
      i++;
      return `(NOT coalesce(${unary()}, false))`;
    }
    if (peek()?.kind === 'paren' && peek()!.text === '(') {
      i++;
      const inner = orExpr();
      if (peek()?.text !== ')') fail('expected )');
      i++;
      return inner;
    }
    return term();
  };
  const term = (): string => {
    const field = peek();
    if (field?.kind !== 'word') return fail('expected a field such as metrics.ap');
    i++;
    const op = peek();
    if (op?.kind !== 'op') return fail(`expected an operator (= != < <= > >=) after ${field.text}`);
    i++;
    const value = peek();
    if (!value || value.kind === 'op' || value.kind === 'paren') return fail(`expected a value after ${op.text}`);
    i++;
    const numeric = value.kind === 'number';
    const lhs = fieldSql(field, numeric, params, fail);
    params.push(numeric ? Number(value.text) : value.text);
    return `(${lhs} ${op.text === '==' ? '=' : op.text} ?)`;
  };

  if (tokens.length === 0) fail('is empty', 0);
  const sql = orExpr();
  if (i < tokens.length) fail(`unexpected ${JSON.stringify(tokens[i]!.text)}`);
  return { sql, params };
}

/** One field's SQL expression (numeric: cast to DOUBLE), for sorting. */
export function compileField(field: string, numeric: boolean): CompiledFilter {
  const params: (string | number)[] = [];
  const sql = fieldSql({ kind: 'word', text: field, at: 0 }, numeric, params, (problem) => {
    throw new UsageError(`--sort: ${problem}`);
  });
  return { sql, params };
}

function fieldSql(field: Token, numeric: boolean, params: (string | number)[], fail: (p: string, at?: number) => never): string {
  const column = COLUMNS[field.text];
  if (column) return numeric ? `TRY_CAST(${column} AS DOUBLE)` : `CAST(${column} AS VARCHAR)`;
  const dot = field.text.indexOf('.');
  const root = dot > 0 ? field.text.slice(0, dot) : '';
  const key = field.text.slice(dot + 1);
  if (!JSON_ROOTS.has(root) || !NAME.test(key)) {
    return fail(`unknown field ${JSON.stringify(field.text)} (use metrics.NAME, params.NAME, data.NAME, outcome.NAME or one of ${Object.keys(COLUMNS).join(', ')})`, field.at);
  }
  // params and metrics keys are flat with dots inside; data and outcome are nested objects.
  const path = root === 'params' || root === 'metrics' ? `$."${key}"` : `$.${key.split('.').map((k) => `"${k}"`).join('.')}`;
  params.push(path);
  const extracted = `json_extract_string(${root}, ?)`;
  return numeric ? `TRY_CAST(${extracted} AS DOUBLE)` : extracted;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: 'paren', text: c, at: i++ });
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new UsageError(`--filter: unterminated string starting at column ${i + 1} in ${JSON.stringify(text)}`);
      tokens.push({ kind: 'string', text: text.slice(i + 1, end), at: i });
      i = end + 1;
    } else if ('<>=!'.includes(c)) {
      const two = text.slice(i, i + 2);
      const op = OPERATORS.has(two) ? two : c;
      if (!OPERATORS.has(op)) throw new UsageError(`--filter: unknown operator ${JSON.stringify(op)} at column ${i + 1}`);
      tokens.push({ kind: 'op', text: op, at: i });
      i += op.length;
    } else {
      const m = /^[^\s()<>=!'"]+/.exec(text.slice(i))!;
      const word = m[0];
      tokens.push({ kind: /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(word) ? 'number' : 'word', text: word, at: i });
      i += word.length;
    }
  }
  return tokens;
}
