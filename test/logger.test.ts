import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';

describe('createLogger', () => {
  it('blanks secrets wherever they sit in a log line', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.info(
      {
        password: 'pw-1',
        auth: { tokenSecret: 'tok-2', password: 'pw-3' },
        headers: { Authorization: 'PVEAPIToken=a@pve!b=sec-4', Cookie: 'PVEAuthCookie=tick-5' },
        slack: { botToken: 'xoxb-6', signingSecret: 'sig-7' },
      },
      'hello',
    );
    const out = lines.join('');
    for (const secret of ['pw-1', 'tok-2', 'pw-3', 'sec-4', 'tick-5', 'xoxb-6', 'sig-7']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('[redacted]');
    expect(JSON.parse(out).msg).toBe('hello');
  });
});
