// Plain-text tables with columns padded to their widest cell; numbers align right, words align left.

export interface Column {
  readonly header: string;
  readonly align: 'left' | 'right';
  /** Cells longer than this are cut with an ellipsis, so one long name cannot push every row off the screen. */
  readonly maxWidth?: number;
}

function cut(text: string, maxWidth: number | undefined): string {
  if (maxWidth === undefined || [...text].length <= maxWidth) return text;
  return `${[...text].slice(0, maxWidth - 1).join('')}…`;
}

/** Renders rows under a header line; `indent` prefixes every line. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], indent = '  '): string[] {
  const cells = rows.map((row) => row.map((cell, index) => cut(cell, columns[index]?.maxWidth)));
  const widths = columns.map((column, index) =>
    Math.max([...column.header].length, ...cells.map((row) => [...(row[index] ?? '')].length)),
  );
  const pad = (text: string, index: number) => {
    const gap = ' '.repeat(Math.max(0, widths[index]! - [...text].length));
    return columns[index]!.align === 'right' ? gap + text : text + gap;
  };
  const line = (row: readonly string[]) => indent + row.map((cell, index) => pad(cell, index)).join('  ').trimEnd();
  return [line(columns.map((column) => column.header)), ...cells.map(line)];
}
