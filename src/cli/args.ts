// Reads the command line into a checked request; every mistake becomes a UsageError with a one-line message.
import { parseArgs } from 'node:util';
import type { DType } from '../core/ir/types';
import { parseEntry, parseInputDeclaration, type EntryDeclaration, type InputDeclaration } from '../core/shapes/inputs';
import { FORMAT_NAMES, type FormatName } from './format';

/** A mistake in the command line or its inputs: reported in one line, exit code 2. */
export class UsageError extends Error {}

export const CLI_DTYPES: readonly DType[] = ['bf16', 'fp16', 'fp32', 'fp8'];
export const SEVERITY_NAMES = ['error', 'warning', 'information', 'hint'] as const;

export type Request =
  | { readonly command: 'help' }
  | { readonly command: 'version' }
  | { readonly command: 'gpus'; readonly format: 'text' | 'json' }
  | { readonly command: 'rules'; readonly format: 'text' | 'json' | 'markdown' }
  | { readonly command: 'explain'; readonly codes: readonly string[]; readonly format: 'text' | 'json' }
  | (Sizing & {
      readonly command: 'analyze';
      readonly format: FormatName;
      /** Codes (`MW201`) or severities (`warning`, meaning warning or worse) that make the exit code 1. */
      readonly failOn: readonly string[];
    })
  | (Sizing & {
      readonly command: 'roofline';
      /** Absent: SVG when one file is analysed, an HTML page when several are. */
      readonly format?: 'svg' | 'html';
      /** The file to write; stdout when absent. */
      readonly out?: string;
    })
  | (Sizing & {
      readonly command: 'fix';
      /** `--code MW206`: fix only findings of these codes; all codes when empty. */
      readonly codes: readonly string[];
      /** `--unsafe-fixes`: also apply fixes that change how the code runs (Wrap in torch.compile). */
      readonly unsafeFixes: boolean;
    });

/** What every analysing command takes: the paths and what prices them. */
export interface Sizing {
  readonly paths: readonly string[];
  readonly gpu?: string;
  readonly dtype?: DType;
  readonly dims?: Readonly<Record<string, number>>;
  /** `--entry NAME`: the roots to analyse (function, class or Class.method), in the order given. */
  readonly entries?: readonly EntryDeclaration[];
  /** `--input NAME=[dims][:dtype]`: shapes of the entries' inputs. */
  readonly inputs?: readonly InputDeclaration[];
  /** A Python interpreter or environment folder whose installed packages imports are read from (never run). */
  readonly python?: string;
}

export const USAGE = `Usage:
  memwall analyze <files or folders...> [--gpu ID] [--dtype bf16|fp16|fp32|fp8] [--dims B=8,T=1024]
                  [--entry NAME]... [--input NAME=[dims][:dtype]]... [--python PATH]
                  [--format text|json|sarif|markdown] [--fail-on CODE|SEVERITY]...
  memwall roofline <files or folders...> [--gpu ID] [--dtype ...] [--dims ...] [--entry ...] [--input ...]
                  [--python PATH]
                  [--out FILE.svg|FILE.html] [--format svg|html]
  memwall fix <files or folders...> [--code CODE]... [--unsafe-fixes] [--gpu ID] [--dtype ...] [--dims ...]
                  [--entry ...] [--input ...] [--python PATH]
  memwall gpus [--format text|json]
  memwall explain <CODE...> [--format text|json]
  memwall rules [--format text|json|markdown]
  memwall --help | --version

Exit codes: 0 analysis ran (findings are not errors), 1 a --fail-on condition matched,
2 bad arguments or an unreadable file, 3 an internal error while analysing a file.`;

const OPTIONS = {
  gpu: { type: 'string' },
  dtype: { type: 'string' },
  dims: { type: 'string', multiple: true },
  entry: { type: 'string', multiple: true },
  input: { type: 'string', multiple: true },
  python: { type: 'string' },
  format: { type: 'string', short: 'f' },
  'fail-on': { type: 'string', multiple: true },
  code: { type: 'string', multiple: true },
  'unsafe-fixes': { type: 'boolean' },
  out: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** Which commands take each option (help and version apply everywhere). */
const OPTION_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  gpu: ['analyze', 'roofline', 'fix'],
  dtype: ['analyze', 'roofline', 'fix'],
  dims: ['analyze', 'roofline', 'fix'],
  entry: ['analyze', 'roofline', 'fix'],
  input: ['analyze', 'roofline', 'fix'],
  python: ['analyze', 'roofline', 'fix'],
  'fail-on': ['analyze'],
  code: ['fix'],
  'unsafe-fixes': ['fix'],
  out: ['roofline'],
  format: ['analyze', 'roofline', 'gpus', 'explain', 'rules'],
};

/** `B=8,T=1024` (repeatable) → `{B: 8, T: 1024}`; sizes must be positive whole numbers. */
export function parseDims(texts: readonly string[]): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const text of texts) {
    for (const pair of text.split(',').map((part) => part.trim()).filter(Boolean)) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\d+)$/.exec(pair);
      if (!match) throw new UsageError(`--dims: expected SYMBOL=SIZE pairs such as B=8,T=1024, got '${pair}'`);
      const size = Number(match[2]);
      if (!Number.isSafeInteger(size) || size <= 0) throw new UsageError(`--dims: size of ${match[1]} must be a positive integer, got '${match[2]}'`);
      dims[match[1]!] = size;
    }
  }
  return dims;
}

function checkFailOn(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean).map((value) => {
    if ((SEVERITY_NAMES as readonly string[]).includes(value.toLowerCase())) return value.toLowerCase();
    if (/^MW\d{3}$/i.test(value)) return value.toUpperCase();
    throw new UsageError(`--fail-on: expected a code such as MW201 or a severity (${SEVERITY_NAMES.join(', ')}), got '${value}'`);
  });
}

function pickFormat<T extends string>(value: string | undefined, allowed: readonly T[], command: string): T {
  const format = value ?? 'text';
  if (!(allowed as readonly string[]).includes(format)) {
    throw new UsageError(`--format: '${format}' is not one of ${allowed.join(', ')} for ${command}`);
  }
  return format as T;
}

export function parseCommandLine(argv: readonly string[]): Request {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!);
  }
  const { values, positionals } = parsed;
  if (values.version) return { command: 'version' };
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') return { command: 'help' };
  // An option a command does not use is a mistake worth telling (`gpus --fail-on MW201` would otherwise pass quietly).
  for (const [option, commands] of Object.entries(OPTION_COMMANDS)) {
    if (values[option as keyof typeof values] !== undefined && !commands.includes(command)) {
      throw new UsageError(`--${option} does not apply to ${command}`);
    }
  }

  switch (command) {
    case 'gpus':
      if (rest.length) throw new UsageError(`gpus takes no arguments, got '${rest[0]}'`);
      return { command: 'gpus', format: pickFormat(values.format, ['text', 'json'], 'gpus') };
    case 'rules':
      if (rest.length) throw new UsageError(`rules takes no arguments, got '${rest[0]}' (memwall explain ${rest[0]} explains one)`);
      return { command: 'rules', format: pickFormat(values.format, ['text', 'json', 'markdown'], 'rules') };
    case 'explain':
      if (!rest.length) throw new UsageError('explain: name a rule code, e.g. memwall explain MW201');
      return { command: 'explain', codes: rest.map((code) => code.toUpperCase()), format: pickFormat(values.format, ['text', 'json'], 'explain') };
    case 'analyze':
      return {
        command: 'analyze',
        ...sizing(command, rest, values),
        format: pickFormat(values.format, FORMAT_NAMES, 'analyze'),
        failOn: checkFailOn(values['fail-on'] ?? []),
      };
    case 'roofline': {
      const sized = sizing(command, rest, values);
      // The format follows --format, else the --out extension; the runner picks one when neither says.
      const extension = values.out ? /\.[^./\\]+$/.exec(values.out)?.[0]?.toLowerCase() : undefined;
      const fromExtension = extension === '.svg' ? 'svg' : extension === '.html' || extension === '.htm' ? 'html' : undefined;
      if (values.out !== undefined && !values.format && !fromExtension) {
        throw new UsageError(`--out: '${values.out}' is neither .svg nor .html; add --format svg or --format html`);
      }
      const requested = values.format ?? fromExtension;
      const format = requested === undefined ? undefined : pickFormat(requested, ['svg', 'html'] as const, 'roofline');
      return { command: 'roofline', ...sized, ...(format ? { format } : {}), ...(values.out ? { out: values.out } : {}) };
    }
    case 'fix':
      return {
        command: 'fix',
        ...sizing(command, rest, values),
        codes: (values.code ?? []).flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean).map((value) => {
          if (!/^MW\d{3}$/i.test(value)) throw new UsageError(`--code: expected a rule code such as MW206, got '${value}'`);
          return value.toUpperCase();
        }),
        unsafeFixes: values['unsafe-fixes'] ?? false,
      };
    default:
      throw new UsageError(`unknown command '${command}' (expected analyze, roofline, fix, gpus, rules or explain)`);
  }
}

function sizing(command: string, paths: readonly string[], values: { gpu?: string; dtype?: string; dims?: string[]; entry?: string[]; input?: string[]; python?: string }): Sizing {
  if (!paths.length) throw new UsageError(`${command}: name at least one file or folder`);
  let dtype: DType | undefined;
  if (values.dtype !== undefined) {
    if (!(CLI_DTYPES as readonly string[]).includes(values.dtype)) {
      throw new UsageError(`--dtype: '${values.dtype}' is not one of ${CLI_DTYPES.join(', ')}`);
    }
    dtype = values.dtype as DType;
  }
  if (values.gpu !== undefined && !values.gpu.trim()) throw new UsageError('--gpu: empty GPU id (run memwall gpus for the list)');
  if (values.python !== undefined && !values.python.trim()) throw new UsageError('--python: empty path (name a Python interpreter or environment folder)');
  const dims = values.dims ? parseDims(values.dims) : undefined;
  const entries = (values.entry ?? []).flatMap((text) => text.split(',')).map((text) => usage(() => parseEntry(text, '--entry')));
  const inputs = (values.input ?? []).map((text) => usage(() => parseInputDeclaration(text, '--input')));
  const twice = inputs.find((input, index) => inputs.findIndex((other) => other.name === input.name) !== index);
  if (twice) throw new UsageError(`--input ${twice.name}: given twice`);
  return {
    paths,
    gpu: values.gpu?.trim(),
    dtype,
    dims: dims && Object.keys(dims).length ? dims : undefined,
    ...(entries.length ? { entries } : {}),
    ...(inputs.length ? { inputs } : {}),
    ...(values.python !== undefined ? { python: values.python.trim() } : {}),
  };
}

/** A parser's Error as the one-line usage error it is. */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}
