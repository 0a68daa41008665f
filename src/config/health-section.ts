import { z } from 'zod';
import { int, optionalText } from './env-values.ts';

const CRON = /^(\S+\s+){4}\S+$/;
/** HEALTH_*: the scheduled report, change alerts and the stuck-lock threshold. */
export const healthSection = z.object({
  HEALTH_REPORT_CHANNEL: optionalText.refine((v) => v === undefined || /^[CG][A-Z0-9]{2,}$/.test(v), {
    message: 'HEALTH_REPORT_CHANNEL must be a channel id such as C0123456789 (not its #name)',
  }),
  HEALTH_REPORT_CRON: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? '0 8 * * *' : v.trim()))
    .refine((v) => CRON.test(v), {
      message: "HEALTH_REPORT_CRON must be a five-field cron expression such as '0 8 * * *'",
    }),
  HEALTH_REPORT_TZ: optionalText.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        new Intl.DateTimeFormat('en', { timeZone: v });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'HEALTH_REPORT_TZ must be an IANA time zone such as Europe/Berlin' },
  ),
  HEALTH_CHECK_INTERVAL_MINUTES: int('HEALTH_CHECK_INTERVAL_MINUTES', 15, 1, 10_080),
  HEALTH_LOCK_STUCK_MINUTES: int('HEALTH_LOCK_STUCK_MINUTES', 60, 1, 10_080),
});
