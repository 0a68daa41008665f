/** The CLI's log level without LOG_LEVEL: progress goes to stdout, so info logs would repeat each line. */
export const CLI_DEFAULT_LOG_LEVEL = 'warn';

/** The environment a CLI command reads: LOG_LEVEL defaults to `warn` (services default to `info`). */
export function cliEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return env.LOG_LEVEL?.trim() ? env : { ...env, LOG_LEVEL: CLI_DEFAULT_LOG_LEVEL };
}

/** Who runs the CLI, as records and audit lines name them: CLONEBOT_OWNER, else `cli:<login>`. */
export function cliOperator(env: Record<string, string | undefined>): string {
  return env.CLONEBOT_OWNER ?? `cli:${env.USER ?? 'unknown'}`;
}
