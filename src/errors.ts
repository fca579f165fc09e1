/** Errors that cross module boundaries as exceptions, with what the edge (the CLI) does with them. */

/**
 * A setting the operator has to change: the CLI prints the message as one line and exits 2
 * (DESIGN §6), instead of a stack trace. The message names the variable.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
