// @udsipc/cli-options: each CLI declares each option once, in a table, and derives its parsing,
// the flag-over-environment precedence, the checks of every value and its help text from it.
export { type CommandLine, type ReadOptions, readCommandLine } from './command-line.js';
export { type IdKind, idList } from './id-list.js';
export { integerIn } from './integer-in.js';
export { NATS_OPTIONS, type NatsTarget, resolveNatsTarget } from './nats-options.js';
export { OPTION_ERROR_CODES, OptionError, type OptionErrorCode } from './option-error.js';
export { formatOptionHelp, type HelpLayout } from './option-help.js';
export {
  type LongFlag,
  type OptionSpec,
  type OptionTable,
  type OptionValues,
  type SwitchOption,
  switchOption,
  type ValueOption,
  valueOption,
} from './option-table.js';
export { type Environment, type ResolvedOptions, resolveOptions } from './resolve-options.js';
