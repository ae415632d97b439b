// The output formats of `memwall analyze`, by name: one file per format, one table to pick from.
import type { FileReport } from '../report';
import { formatJson } from './json';
import { formatMarkdown } from './markdown';
import { formatSarif } from './sarif';
import { formatText } from './text';

export const FORMATTERS = {
  text: formatText,
  json: formatJson,
  sarif: formatSarif,
  markdown: formatMarkdown,
} as const satisfies Record<string, (reports: readonly FileReport[]) => string>;

export type FormatName = keyof typeof FORMATTERS;
export const FORMAT_NAMES = Object.keys(FORMATTERS) as FormatName[];
