/** What a command receives: the environment, output lines and a signal that aborts on Ctrl-C. */
export interface CliIo {
  env: Record<string, string | undefined>;
  /** Results and progress (stdout). */
  out(line: string): void;
  /** Errors for a person (stderr). Logs go to stderr through pino. */
  err(line: string): void;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** One `pve-clonebot <name>` command. */
export interface CliCommand {
  name: string;
  /** `clone <template> as <name> on <node> [...]`. */
  usage: string;
  summary: string;
  /** Runs the command; resolves with the exit code (0 ok, 1 failed, 2 bad input or config). */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Exit codes shared by the commands. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;
