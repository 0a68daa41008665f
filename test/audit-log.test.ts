import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAudit } from '../src/audit-log.ts';
import type { Clock } from '../src/clock.ts';
import { createLogger } from '../src/logger.ts';

const clock: Clock = { now: () => Date.parse('2026-12-07T10:00:00Z'), sleep: async () => undefined };

/** A logger at `level` and the JSON lines it wrote. */
function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

describe('createAudit', () => {
  it('writes audit lines at LOG_LEVEL warn (the CLI default), and only those of the info lines', () => {
    const { logger, lines } = capture('warn');
    const audit = createAudit(logger, clock);
    logger.info('an info line nobody asked for');
    audit({ vmid: 900 }, 'VM 900 deleted on request');
    audit({ vmid: 901 }, 'VM 901 could not be deleted', 'warn');
    expect(lines.map(({ time: _, ...l }) => l)).toEqual([
      {
        level: 30,
        app: 'pve-clonebot',
        audit: true,
        at: '2026-12-07T10:00:00.000Z',
        vmid: 900,
        msg: 'VM 900 deleted on request',
      },
      {
        level: 40,
        app: 'pve-clonebot',
        audit: true,
        at: '2026-12-07T10:00:00.000Z',
        vmid: 901,
        msg: 'VM 901 could not be deleted',
      },
    ]);
  });

  it('keeps a lower level (debug lines still go out) and LOG_LEVEL silent silent', () => {
    const debug = capture('debug');
    createAudit(debug.logger, clock)({}, 'audited');
    debug.logger.debug('debugging');
    expect(debug.lines.map((l) => l.msg)).toEqual(['audited', 'debugging']);
    const silent = capture('silent');
    createAudit(silent.logger, clock)({}, 'audited');
    expect(silent.lines).toEqual([]);
  });
});
