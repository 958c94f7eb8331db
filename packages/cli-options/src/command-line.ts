import { type ParseArgsConfig, parseArgs } from 'node:util';
import { OptionError } from './option-error.js';
import type { OptionTable } from './option-table.js';

/** What was typed, before anything is checked: so `--help` can answer even when a value is wrong. */
export interface CommandLine {
  /** The text typed for each value option, by its name in the table; absent when not typed. */
  readonly given: Readonly<Record<string, string>>;
  /** The names (in the table) of the switches typed. */
  readonly switches: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

export interface ReadOptions {
  /** Whether arguments other than options are allowed (a command's TEXT); refused by default. */
  positionals?: boolean;
}

type ParseArgsOptions = NonNullable<ParseArgsConfig['options']>;

/** The flag a node:util message quotes (`'--socket <value>'` gives `--socket`), so the error can name it. */
function quotedFlag(message: string): string | undefined {
  return /'(-[^' ]+)/.exec(message)?.[1];
}

/**
 * node:util's parse errors, as OptionErrors with its wording kept (it names the flag), first line
 * only, and without its hint about `--`, which tells a user of a CLI without positionals nothing.
 */
function argumentError(error: unknown): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (!(error instanceof Error) || typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS'))
    return error;
  const firstLine = error.message.split('\n')[0] ?? error.message;
  const source = quotedFlag(firstLine);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new OptionError('UNKNOWN_OPTION', firstLine, source);
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return new OptionError('UNEXPECTED_ARGUMENT', firstLine.replace(/\. .*$/, ''));
  }
  if (firstLine.includes('does not take an argument')) {
    return new OptionError('INVALID_VALUE', firstLine, source);
  }
  return new OptionError('MISSING_VALUE', firstLine, source);
}

/** Reads argv against a table: which flags and switches were typed, and the positionals. Checks no value. */
export function readCommandLine(
  table: OptionTable,
  argv: readonly string[],
  options: ReadOptions = {},
): CommandLine {
  const config: ParseArgsOptions = {};
  for (const spec of Object.values(table)) {
    // Two entries on one flag would silently share its value: a mistake in the table, not in argv.
    if (Object.hasOwn(config, spec.flag.slice(2))) throw new Error(`${spec.flag} is declared twice`);
    config[spec.flag.slice(2)] = {
      type: spec.kind === 'switch' ? 'boolean' : 'string',
      ...(spec.short === undefined ? {} : { short: spec.short }),
    };
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: config,
      strict: true,
      allowPositionals: options.positionals ?? false,
    }) as typeof parsed;
  } catch (error) {
    throw argumentError(error);
  }
  const given: Record<string, string> = {};
  const switches = new Set<string>();
  for (const [name, spec] of Object.entries(table)) {
    const value = parsed.values[spec.flag.slice(2)];
    if (typeof value === 'string') given[name] = value;
    else if (value === true) switches.add(name);
  }
  return { given, switches, positionals: parsed.positionals };
}
