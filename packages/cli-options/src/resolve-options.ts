import type { z } from 'zod';
import type { CommandLine } from './command-line.js';
import { OptionError } from './option-error.js';
import type { OptionTable, OptionValues, ValueOption } from './option-table.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ResolvedOptions<T extends OptionTable> {
  values: OptionValues<T>;
  /** Where each value came from, as the user typed it (`--timeout`, `UDSIPC_TIMEOUT`); absent for a default. */
  sources: { [K in keyof T]?: string };
}

/** A flag's text, else its variable's (an empty variable counts as unset, so an env file can leave one blank). */
function rawValue(
  name: string,
  spec: ValueOption<unknown>,
  line: CommandLine,
  env: Environment,
): { text: string; source: string } | undefined {
  const typed = line.given[name];
  if (typed !== undefined) return { text: typed, source: spec.flag };
  if (spec.env === undefined) return undefined;
  const fromEnv = env[spec.env];
  return fromEnv !== undefined && fromEnv !== '' ? { text: fromEnv, source: spec.env } : undefined;
}

/** zod's wording for a wrong choice names no choices; the user needs them. */
function reasonOf(issue: z.core.$ZodIssue | undefined): string {
  if (issue?.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  return issue?.message ?? 'is not valid';
}

/**
 * Each option's value by precedence: its flag, else its environment variable, else its default;
 * each typed text checked by the option's schema. Throws OptionError INVALID_VALUE naming the flag
 * or variable and the text: `--timeout must be an integer from 1 to 2147483647, got "0"`.
 */
export function resolveOptions<T extends OptionTable>(
  table: T,
  line: CommandLine,
  env: Environment,
): ResolvedOptions<T> {
  const values: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const [name, spec] of Object.entries(table)) {
    if (spec.kind === 'switch') {
      values[name] = line.switches.has(name);
      if (line.switches.has(name)) sources[name] = spec.flag;
      continue;
    }
    const raw = rawValue(name, spec, line, env);
    if (raw === undefined) {
      values[name] = spec.default;
      continue;
    }
    const result = spec.schema.safeParse(raw.text);
    if (!result.success) {
      const reason = reasonOf(result.error.issues[0]);
      throw new OptionError(
        'INVALID_VALUE',
        `${raw.source} ${reason}, got ${JSON.stringify(raw.text)}`,
        raw.source,
      );
    }
    values[name] = result.data;
    sources[name] = raw.source;
  }
  return { values: values as OptionValues<T>, sources: sources as ResolvedOptions<T>['sources'] };
}
