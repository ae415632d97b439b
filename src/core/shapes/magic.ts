// Reads `# memwall:` magic comments: symbol bindings, dtype, GPU, per-line suppressions and declared shapes.
import { bin, num, sym, unknownDim, type Dim } from '../ir/dims';
import { parseDtype } from '../ir/dtypes';
import type { Assumption, DType, MagicSettings } from '../ir/types';

/** A `# memwall: shape x=[B, T, 768]` declaration: the 0-based line it sits on, the name and its dims. */
export interface ShapeDeclaration {
  readonly line: number;
  readonly name: string;
  readonly shape: readonly Dim[];
  /** `# memwall: shape idx=[B, T]:int64`: the dtype after the shape, when given. */
  readonly dtype?: DType;
  /** True when the comment is the only thing on its line (it then also applies to what follows). */
  readonly standalone: boolean;
}

const MAGIC = /#\s*memwall:\s*(.*)$/;

/** Reads every `# memwall:` comment of the text. The first binding of a symbol wins, like the first dtype and gpu. */
export function readMagicComments(text: string): MagicSettings {
  const bindings: Assumption[] = [];
  const ignores = new Map<number, string[]>();
  let dtype: DType | undefined;
  let gpu: string | undefined;
  forEachMagic(text, (line, body, standalone) => {
    const source = `magic comment (line ${line + 1})`;
    // `ignore` with no list silences every code on the line; `ignore[MW201, MW202]` only those.
    const ignore = /\bignore(?:\[([^\]]*)\])?/.exec(body);
    if (ignore) {
      const codes = ignore[1] === undefined ? ['*'] : ignore[1].split(',').map((c) => c.trim()).filter(Boolean);
      addIgnores(ignores, line, codes);
      // A comment alone on its line also covers the next line, the way linters' "disable-next-line" do.
      if (standalone) addIgnores(ignores, line + 1, codes);
    }
    if (/^\s*shape\b/.test(body)) return;
    for (const match of body.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([A-Za-z0-9_.-]+)/g)) {
      const key = match[1] as string;
      const raw = match[2] as string;
      if (key === 'dtype') {
        const parsed = parseDtype(raw);
        if (parsed && dtype === undefined) dtype = parsed;
        continue;
      }
      if (key === 'gpu') {
        gpu ??= raw;
        continue;
      }
      const value = parseSize(raw);
      if (value !== undefined && !bindings.some((b) => b.symbol === key)) bindings.push({ symbol: key, value, source });
    }
  });
  return { bindings, dtype, gpu, ignores };
}

/** Reads `# memwall: shape x=[B, T, 768], idx=[B, T]:int64` declarations, in line order; several names may share one comment. */
export function readShapeDeclarations(text: string): ShapeDeclaration[] {
  const declarations: ShapeDeclaration[] = [];
  forEachMagic(text, (line, body, standalone) => {
    const shape = /^\s*shape\s+(.*)$/.exec(body);
    if (!shape) return;
    for (const match of (shape[1] as string).matchAll(/([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*\[([^\]]*)\](?:\s*:\s*([A-Za-z0-9_.]+))?/g)) {
      const dims = (match[2] as string).split(',').map((d) => d.trim()).filter((d) => d.length > 0).map(parseDimText);
      const dtype = match[3] ? parseDtype(match[3]) : undefined;
      declarations.push({ line, name: match[1] as string, shape: dims, ...(dtype ? { dtype } : {}), standalone });
    }
  });
  return declarations;
}

/** Parses `1024` or `1_024`: whole numbers only, so that a size is never silently rounded. */
function parseSize(raw: string): number | undefined {
  const cleaned = raw.replace(/_/g, '');
  return /^\d+$/.test(cleaned) ? Number(cleaned) : undefined;
}

function addIgnores(ignores: Map<number, string[]>, line: number, codes: readonly string[]): void {
  const existing = ignores.get(line) ?? [];
  ignores.set(line, [...existing, ...codes.filter((c) => !existing.includes(c))]);
}

/**
 * Calls back with each magic comment's 0-based line and the text after `memwall:`. It jumps from one `memwall:` to the
 * next rather than splitting the text into lines: a file has few magic comments and thousands of lines.
 */
function forEachMagic(text: string, visit: (line: number, body: string, standalone: boolean) => void): void {
  let at = text.indexOf('memwall:');
  let line = 0;
  let counted = 0;
  while (at >= 0) {
    const start = text.lastIndexOf('\n', at) + 1;
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    for (let newline = text.indexOf('\n', counted); newline >= 0 && newline < start; newline = text.indexOf('\n', newline + 1)) line++;
    counted = start;
    const lineText = text.slice(start, end);
    const match = MAGIC.exec(lineText);
    if (match) visit(line, (match[1] as string).trim(), lineText.trimStart().startsWith('#'));
    at = text.indexOf('memwall:', end);
  }
}

/**
 * Parses a dim written in a comment or a jaxtyping string: `B`, `768`, `4*n_embd`, `n_embd//n_head`, `T+1`.
 * Precedence follows Python; anything else becomes an unknown dim that says what could not be read.
 */
export function parseDimText(text: string): Dim {
  const tokens = text.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|\/\/|[+\-*/()%]/g) ?? [];
  if (tokens.join('') !== text.replace(/\s+/g, '')) return unknownDim(`cannot read the dim "${text}"`);
  let position = 0;
  const peek = (): string | undefined => tokens[position];
  const parseAtom = (): Dim => {
    const token = tokens[position++];
    if (token === undefined) return unknownDim(`cannot read the dim "${text}"`);
    if (token === '(') {
      const inner = parseSum();
      position++;
      return inner;
    }
    if (/^\d+$/.test(token)) return num(Number(token));
    if (/^[A-Za-z_]/.test(token)) return sym(token);
    return unknownDim(`cannot read the dim "${text}"`);
  };
  const parseProduct = (): Dim => {
    let left = parseAtom();
    while (peek() === '*' || peek() === '//' || peek() === '/' || peek() === '%') {
      const op = tokens[position++] as '*' | '//' | '/' | '%';
      left = bin(op, left, parseAtom());
    }
    return left;
  };
  const parseSum = (): Dim => {
    let left = parseProduct();
    while (peek() === '+' || peek() === '-') {
      const op = tokens[position++] as '+' | '-';
      left = bin(op, left, parseProduct());
    }
    return left;
  };
  const result = parseSum();
  return position === tokens.length ? result : unknownDim(`cannot read the dim "${text}"`);
}
