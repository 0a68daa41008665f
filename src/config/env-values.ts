import { z } from 'zod';

/** Parsers for environment values: each names its variable and what it expects when the value is bad. */

/** A true/false variable (1/0, yes/no, on/off accepted). */
export const bool = (name: string, fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const s = v.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false (got '${v}')` });
      return z.NEVER;
    });

/** A whole number within [min, max]. */
export const int = (name: string, fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v.trim());
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a whole number from ${min} to ${max} (got '${v}')`,
        });
        return z.NEVER;
      }
      return n;
    });

/** Text, trimmed; empty counts as unset. */
export const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/**
 * A URL as it may be shown in an error: its user-info (`user:password@`) replaced by `***@`. Works on text
 * that is not a valid URL too, since the error is exactly the case where parsing failed, and a config error
 * ends up in logs and terminals.
 */
export function redactUrl(text: string): string {
  // Up to the last @: a password may itself hold '/', '?' or '@' when typed unencoded. Hiding too much is fine.
  return text.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)?.*@/is,
    (_m, scheme: string | undefined) => `${scheme ?? ''}***@`,
  );
}
