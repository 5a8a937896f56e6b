// Typed errors: each names the file, key or message at fault; the CLI prints them as one line plus a hint.

/** Base class of every error ganymede reports to a user (exit code non-zero, no stack unless --verbose). */
export class GanymedeError extends Error {
  /** A short suggestion printed after the message, e.g. "run with --verbose for the stack". */
  readonly hint?: string;
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options?.hint;
  }
}

/** A config file, key or override is invalid (names the key path and what is allowed). */
export class ConfigError extends GanymedeError {}

/** A data file is missing, truncated or malformed (names the file and what is wrong). */
export class DataError extends GanymedeError {}

/** A wire message is malformed, of the wrong version or run, or carries bad values. */
export class ProtocolError extends GanymedeError {}

/** A checkpoint is missing, truncated, fails its checksums, or does not match the config. */
export class CheckpointError extends GanymedeError {}

/** A worker failed, exited or could not be reached. */
export class WorkerError extends GanymedeError {}

/** The command line itself is wrong (bad flag values, a run folder that would be overwritten, ...). */
export class UsageError extends GanymedeError {}

/** The run was stopped by a signal (Ctrl-C, SIGTERM); its last checkpoint can be resumed. */
export class InterruptedError extends GanymedeError {}

/** A loss, gradient or weight became NaN or infinite (names the step, round phase, network and shard). */
export class NumericalError extends GanymedeError {}
