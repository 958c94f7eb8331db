import type { z } from 'zod';

/** A long flag as typed: `--timeout`. */
export type LongFlag = `--${string}`;

interface OptionBase {
  readonly flag: LongFlag;
  /** One letter, typed as `-h`. */
  readonly short?: string;
  /**
   * The help line. `{default}` marks where `default X` goes; without it the default, if any, is
   * shown after the text (or in its own column, by the layout). `\n` breaks a line by hand.
   */
  readonly help: string;
}

/** An option that takes a value: from its flag, else its environment variable, else its default. */
export interface ValueOption<T, V extends T | undefined = T | undefined> extends OptionBase {
  readonly kind: 'value';
  /** The value's name in the help: `MS`, `PATH`, `dgram|stream`. */
  readonly metavar: string;
  readonly env?: string;
  /** Turns the text the user typed into the value; its issue message says what is wrong. */
  readonly schema: z.ZodType<T>;
  /** Taken from the library's constants where the library has one, so it is written once. */
  readonly default: V;
  /** How the default reads in the help (String(value) otherwise): `0600`, not `384`. */
  showDefault?(value: T): string;
  /** For an option without one fixed default (it depends on another one): what unset means. */
  readonly defaultNote?: string;
}

/** A flag without a value (`--json`): true when typed, false otherwise. Never from the environment. */
export interface SwitchOption extends OptionBase {
  readonly kind: 'switch';
}

export type OptionSpec = ValueOption<unknown> | SwitchOption;

/** Every option of a command, by the name its value has in the program. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** What a table parses to: each value option's type (undefined only if it has no default), each switch a boolean. */
export type OptionValues<T extends OptionTable> = {
  -readonly [K in keyof T]: T[K] extends ValueOption<infer _, infer V> ? V : boolean;
};

type ValueSpec<T> = Omit<ValueOption<T>, 'kind' | 'default'>;

/** Declares an option with a value; its default, if any, decides whether the parsed value can be undefined. */
export function valueOption<T>(spec: ValueSpec<T> & { default: NoInfer<T> }): ValueOption<T, T>;
export function valueOption<T>(spec: ValueSpec<T>): ValueOption<T, T | undefined>;
export function valueOption<T>(spec: ValueSpec<T> & { default?: T }): ValueOption<T> {
  return { ...spec, kind: 'value', default: spec.default };
}

/** Declares a flag without a value. */
export function switchOption(spec: Omit<SwitchOption, 'kind'>): SwitchOption {
  return { ...spec, kind: 'switch' };
}
