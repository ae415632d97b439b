// The quick fix of MW206: replaces hand-written attention with F.scaled_dot_product_attention of the same semantics.
import type { Fix, OpNode, Span } from '../ir/types';
import type { GraphIndex } from './graph-index';
import { canonicalOp } from './ops';
import { lineStart, spanOf } from './text';
import type { RuleContext } from './types';
import type { AttentionRegion } from './MW206-hand-written-attention';

/** Fill values that make masked_fill a hard mask (probability exactly or practically zero). */
const MINUS_INFINITY = /^(float\(\s*["']-inf["']\s*\)|-\s*float\(\s*["']inf["']\s*\)|-\s*(math|torch|np|numpy)\.inf|-1e\d+|-1\.?0*e\+?\d+|-10+(\.0*)?|torch\.finfo\(.*\)\.min)$/;
/** A mask that names a lower-triangular buffer: the causal mask of GPT-style code. */
const CAUSAL_MASK = /\b(bias|tril|causal|mask_causal|causal_mask)\b/;

/**
 * The edits that turn the region into one scaled_dot_product_attention call, or undefined when the source does
 * not have the plain shape the fix can rewrite safely (then the finding has no fix, never a wrong one).
 */
export function sdpaFix(ctx: RuleContext, region: AttentionRegion): Fix | undefined {
  const { text, index } = ctx;
  // The code returns the probabilities too: replacing the region would leave that return without them.
  if (region.probabilitiesReturned) return undefined;
  const source = (op: OpNode): string => text.slice(op.span.start, op.span.end);
  const scores = binaryOperands(source(region.scores), 'matmul');
  const values = binaryOperands(source(region.output), 'matmul');
  if (!scores || !values) return undefined;
  const q = scores[0];
  const k = untranspose(scores[1]);
  const v = values[1];
  if (!k) return undefined;

  const keywords: string[] = [];
  let scale: string | undefined = '1.0';
  let scaled = false;
  for (const op of region.beforeSoftmax) {
    const name = canonicalOp(op);
    if (name === 'mul' || name === 'div') {
      if (scaled) return undefined;
      scaled = true;
      const operands = binaryOperands(source(op), name);
      if (!operands) return undefined;
      const factor = name === 'mul' ? scalarSide(operands, q) : operands[1];
      if (factor === undefined || (name === 'div' && isScoresText(operands[1], q))) return undefined;
      scale = isDefaultScale(factor, name, q, k) ? undefined : name === 'mul' ? factor : `1.0 / (${factor})`;
    } else if (name === 'masked_fill') {
      const args = callArguments(source(op), 'masked_fill');
      if (!args) return undefined;
      const [condition, fill] = args.length === 3 ? [args[1], args[2]] : [args[0], args[1]];
      if (!condition || !fill || !MINUS_INFINITY.test(fill.replace(/\s+/g, ''))) return undefined;
      keywords.push(CAUSAL_MASK.test(condition) ? 'is_causal=True' : `attn_mask=~(${condition})`);
    } else if (name === 'add') {
      const operands = binaryOperands(source(op), 'add');
      const mask = operands ? scalarSide(operands, q) : undefined;
      if (!mask) return undefined;
      keywords.push(`attn_mask=${mask}`);
    } else if (!['float', 'to'].includes(name)) {
      return undefined;
    }
  }
  for (const op of region.afterSoftmax) {
    // A head mask multiplies the probabilities, which SDPA cannot: no fix rather than one that drops it.
    if (canonicalOp(op) === 'mul') return undefined;
    if (canonicalOp(op) !== 'dropout') continue;
    const probability = dropoutProbability(source(op));
    if (probability === undefined) return undefined;
    if (probability !== null) keywords.push(`dropout_p=${probability}`);
  }
  if (scale !== undefined) keywords.push(`scale=${scale}`);
  // SDPA's own parameter order: attn_mask, dropout_p, is_causal, scale.
  const order = ['attn_mask', 'dropout_p', 'is_causal', 'scale'];
  keywords.sort((a, b) => order.indexOf(a.split('=')[0] as string) - order.indexOf(b.split('=')[0] as string));

  const call = `${functionalPrefix(text)}scaled_dot_product_attention(${[q, k, v, ...keywords].join(', ')})`;
  const firstLine = region.scores.span.startLine;
  const lastLine = region.output.span.startLine;
  const edits: { span: Span; newText: string }[] = [];
  if (firstLine < lastLine) {
    if (!onlyRegionOnLines(index, text, region, firstLine, lastLine)) return undefined;
    const start = lineStart(text, firstLine);
    const end = lineStart(text, lastLine);
    edits.push({ span: spanOf(text, start, end), newText: '' });
  }
  edits.push({ span: region.output.span, newText: call });
  return { title: 'Use F.scaled_dot_product_attention', edits };
}

/** `a @ b` or `torch.matmul(a, b)` → [a, b]; `a * b`, `a / b`, `a + b` likewise for the other operators. */
function binaryOperands(expression: string, op: string): [string, string] | undefined {
  const text = stripParens(expression.trim());
  const symbol = ({ matmul: '@', mul: '*', div: '/', add: '+' } as Record<string, string>)[op];
  if (symbol) {
    const parts = splitTopLevel(text, symbol);
    if (parts.length === 2) return [stripParens(parts[0] as string), stripParens(parts[1] as string)];
  }
  const call = /^(?:torch\.)?(matmul|mul|div|add|bmm)\(/.exec(text);
  if (call && text.endsWith(')')) {
    const args = splitTopLevel(text.slice(call[0].length, -1), ',').map((a) => a.trim());
    if (args.length === 2) return [args[0] as string, args[1] as string];
  }
  const method = new RegExp(`^(.*)\\.(matmul|mul|div|add)\\(`).exec(text);
  if (method && text.endsWith(')')) {
    const args = splitTopLevel(text.slice(method[0].length, -1), ',').map((a) => a.trim());
    if (args.length === 1) return [stripParens(method[1] as string), args[0] as string];
  }
  return undefined;
}

/** `k.transpose(-2, -1)` → `k`; undefined when the key is not transposed right there. */
function untranspose(operand: string): string | undefined {
  const match = /^(.*?)(?:\.transpose\(\s*(-2\s*,\s*-1|-1\s*,\s*-2|2\s*,\s*3|3\s*,\s*2)\s*\)|\.mT)$/.exec(operand.trim());
  return match ? stripParens(match[1] as string) : undefined;
}

/** Of `[a, b]`, the side that is not the scores (an expression with q @ k, or the variable holding them). */
function scalarSide(operands: [string, string], q: string): string | undefined {
  const [a, b] = operands;
  if (isScoresText(a, q) && !isScoresText(b, q)) return b;
  if (isScoresText(b, q) && !isScoresText(a, q)) return a;
  // `att * scale` with `att` a plain name: the scale is the other side when it is not a plain tensor name.
  if (/^[A-Za-z_]\w*$/.test(a) && !/^[A-Za-z_]\w*$/.test(b)) return b;
  if (/^(att|attn|scores|attn_weights|attention|weights|w|s|logits)$/.test(a)) return b;
  return undefined;
}

function isScoresText(text: string, q: string): boolean {
  return /@|matmul\(|einsum\(/.test(text) || text === q;
}

/** 1/√(head dim), SDPA's own default scale, written with q's or k's last dimension. */
function isDefaultScale(factor: string, op: string, q: string, k: string): boolean {
  const dims = [q, k].flatMap((t) => [`${t}.size(-1)`, `${t}.shape[-1]`]);
  const root = /^(?:math\.sqrt|np\.sqrt|torch\.sqrt)\((.+)\)$|^\(?(.+?)\)?\s*\*\*\s*0?\.5$/.exec(stripParens(factor));
  if (op === 'div') return !!root && dims.includes(stripParens((root[1] ?? root[2] ?? '').trim()));
  const inverse = /^1(?:\.0*)?\s*\/\s*(.+)$/.exec(stripParens(factor));
  if (inverse) {
    const inner = /^(?:math\.sqrt|np\.sqrt|torch\.sqrt)\((.+)\)$/.exec(stripParens((inverse[1] as string).trim()));
    return !!inner && dims.includes((inner[1] as string).trim());
  }
  const power = /^\(?(.+?)\)?\s*\*\*\s*-0?\.5$/.exec(factor.trim());
  return !!power && dims.includes(stripParens((power[1] as string).trim()));
}

/** The dropout probability as SDPA wants it; null for no dropout, undefined when the call cannot be read. */
function dropoutProbability(call: string): string | null | undefined {
  const module = /^self\.(\w+)\(.*\)$/.exec(call.trim());
  if (module) return `self.${module[1]}.p if self.training else 0.0`;
  const args = callArguments(call, 'dropout');
  if (!args) return undefined;
  const named = new Map<string, string>();
  const positional: string[] = [];
  for (const arg of args) {
    const kw = /^(\w+)\s*=\s*(.+)$/.exec(arg);
    if (kw) named.set(kw[1] as string, kw[2] as string);
    else positional.push(arg);
  }
  const p = named.get('p') ?? positional[1] ?? '0.5';
  const training = named.get('training') ?? positional[2] ?? 'True';
  if (training === 'False') return null;
  return training === 'True' ? p : `${p} if ${training} else 0.0`;
}

/** The arguments of the last call to `name` in an expression (`x.masked_fill(a, b)` → [a, b]). */
function callArguments(expression: string, name: string): string[] | undefined {
  const text = expression.trim();
  const at = text.lastIndexOf(`${name}(`);
  if (at < 0 || !text.endsWith(')')) return undefined;
  const inner = text.slice(at + name.length + 1, -1);
  if (!balanced(inner)) return undefined;
  return splitTopLevel(inner, ',').map((a) => a.trim()).filter((a) => a.length > 0);
}

/** `F.` when the file imports torch.nn.functional as F, else the full module path. */
/** The last text's answer: a file with many attention regions would otherwise search the whole text for each. */
let prefixFor: { text: string; prefix: string } | undefined;

function functionalPrefix(text: string): string {
  if (prefixFor?.text !== text) prefixFor = { text, prefix: searchFunctionalPrefix(text) };
  return prefixFor.prefix;
}

function searchFunctionalPrefix(text: string): string {
  if (/^\s*import\s+torch\.nn\.functional\s+as\s+F\b/m.test(text) || /^\s*from\s+torch\.nn\s+import\s+functional\s+as\s+F\b/m.test(text)) {
    return 'F.';
  }
  return 'torch.nn.functional.';
}

/**
 * True when every line from `first` up to (not including) `last` holds only the region's ops, views and ops whose
 * results only the region reads (the mask condition): deleting those lines then removes nothing else. The lines'
 * text is read only to refuse the fix where a line holds anything else (a comment is kept out of the way, any other
 * text makes the fix unsafe), never to find the pattern.
 */
function onlyRegionOnLines(index: GraphIndex, text: string, region: AttentionRegion, first: number, last: number): boolean {
  const allowed = new Set<number>(
    [region.scores, ...region.beforeSoftmax, region.softmax, ...region.afterSoftmax, region.output].map((op) => op.id),
  );
  const onLines = index.opsStartingOnLines(first, last);
  for (let changed = true; changed; ) {
    changed = false;
    for (const op of onLines) {
      if (allowed.has(op.id)) continue;
      const readers = op.outputs.flatMap((value) => index.consumers(value));
      if (readers.length > 0 && readers.every((reader) => allowed.has(reader.id))) {
        allowed.add(op.id);
        changed = true;
      }
    }
  }
  if (onLines.some((op) => !allowed.has(op.id))) return false;
  const covered = new Set<number>();
  for (const op of onLines) for (let line = op.span.startLine; line <= op.span.endLine; line++) covered.add(line);
  for (let line = first; line < last; line++) {
    const code = text.slice(lineStart(text, line), lineStart(text, line + 1)).replace(/#.*$/, '').trim();
    if (code.length > 0 && !covered.has(line)) return false;
  }
  return true;
}

/** Drops parentheses that wrap the whole expression. */
function stripParens(expression: string): string {
  let text = expression.trim();
  while (text.startsWith('(') && text.endsWith(')') && balanced(text.slice(1, -1))) text = text.slice(1, -1).trim();
  return text;
}

function balanced(text: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch) && --depth < 0) return false;
  }
  return depth === 0;
}

/** Splits on a one-character separator outside brackets and strings; `**` is never split on `*`. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (depth === 0 && ch === separator) {
      if (separator === '*' && (text[i + 1] === '*' || text[i - 1] === '*')) continue;
      if (separator === '/' && (text[i + 1] === '/' || text[i - 1] === '/')) continue;
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}
