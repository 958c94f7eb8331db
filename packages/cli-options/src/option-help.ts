import type { OptionSpec, OptionTable } from './option-table.js';

export interface HelpLayout {
  /** Spaces before each option (2). */
  indent?: number;
  /** Width of the flag column; longest flag + 2 unless given, so several tables can line up. */
  flagWidth?: number;
  /** Width of the variable column, there when an option of the table has one; longest + 2 unless given. */
  envWidth?: number;
  /**
   * `inline` (the default): `--flag X  VARIABLE  help (default D)`, the help beside the flag.
   * `stacked`: `--flag X  VARIABLE; D`, the help on the lines below, indented by `helpIndent` (6).
   */
  style?: 'inline' | 'stacked';
  helpIndent?: number;
}

function flagCell(spec: OptionSpec): string {
  const short = spec.short === undefined ? '' : `-${spec.short}, `;
  return `${short}${spec.flag}${spec.kind === 'value' ? ` ${spec.metavar}` : ''}`;
}

/** The default as the help shows it, from the table's own default value. */
function shownDefault(spec: OptionSpec): string | undefined {
  if (spec.kind === 'switch') return undefined;
  if (spec.default === undefined) return spec.defaultNote;
  return spec.showDefault ? spec.showDefault(spec.default) : String(spec.default);
}

/** The help text with `{default}` filled in, or, if `append`, the default after it. */
function helpText(spec: OptionSpec, append: boolean): string {
  const shown = shownDefault(spec);
  if (spec.help.includes('{default}')) {
    return spec.help.replace('{default}', shown === undefined ? 'no default' : `default ${shown}`);
  }
  return append && shown !== undefined ? `${spec.help} (default ${shown})` : spec.help;
}

/** Lines after the first of a hand-broken text start under its first character. */
function hang(text: string, column: number): string {
  return text.replaceAll('\n', `\n${' '.repeat(column)}`);
}

/** A cell padded to its column, with two spaces at least so a long flag never runs into the next cell. */
function cell(text: string, width: number): string {
  return text.length + 2 <= width ? text.padEnd(width) : `${text}  `;
}

function longest(texts: readonly string[]): number {
  return Math.max(0, ...texts.map((text) => text.length));
}

/** The options part of a usage text, one entry per option in table order, each default shown. */
export function formatOptionHelp(table: OptionTable, layout: HelpLayout = {}): string {
  const specs = Object.values(table);
  const indent = layout.indent ?? 2;
  const margin = ' '.repeat(indent);
  const flagWidth = layout.flagWidth ?? longest(specs.map(flagCell)) + 2;
  const variables = specs.flatMap((spec) => (spec.kind === 'value' && spec.env ? [spec.env] : []));
  if (layout.style === 'stacked') {
    const helpIndent = layout.helpIndent ?? 6;
    return specs
      .map((spec) => {
        const head = margin + cell(flagCell(spec), flagWidth);
        const column = [spec.kind === 'value' ? spec.env : undefined, shownDefault(spec)]
          .filter((part) => part !== undefined)
          .join('; ');
        const help = helpText(spec, false);
        if (column === '') return head + hang(help, indent + flagWidth);
        return `${head}${hang(column, indent + flagWidth)}\n${' '.repeat(helpIndent)}${hang(help, helpIndent)}`;
      })
      .join('\n');
  }
  const envWidth = variables.length === 0 ? 0 : (layout.envWidth ?? longest(variables) + 2);
  return specs
    .map((spec) => {
      const variable = envWidth === 0 ? '' : cell(spec.kind === 'value' ? (spec.env ?? '') : '', envWidth);
      const text = hang(helpText(spec, true), indent + flagWidth + envWidth);
      return margin + cell(flagCell(spec), flagWidth) + variable + text;
    })
    .join('\n');
}
