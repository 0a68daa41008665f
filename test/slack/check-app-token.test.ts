import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import { checkAppToken } from '../../src/slack/check-app-token.ts';
import { redeliveryKey } from '../../src/slack/redelivery-key.ts';

let sim: SlackSim;
beforeAll(async () => {
  sim = await startSlackSim({ appToken: 'xapp-1-A0CLONEBOT-1-good' });
});
afterAll(async () => {
  await sim.close();
});

const check = (appToken: string, apiUrl = sim.apiUrl) =>
  checkAppToken({ appToken, apiUrl }).then(
    () => 'ok',
    (e: Error) => e.message,
  );

describe('checkAppToken (SLACK_APP_TOKEN at start)', () => {
  it('passes a token Slack accepts', async () => {
    expect(await check('xapp-1-A0CLONEBOT-1-good')).toBe('ok');
  });

  it('names the variable and the fix for each refusal, never the token', async () => {
    const wrong = await check('xapp-1-A0CLONEBOT-1-typo');
    expect(wrong).toMatch(/^SLACK_APP_TOKEN was refused by Slack \(invalid_auth\)/);
    expect(wrong).not.toContain('typo');
    const botToken = await check('xoxb-1-bot-secret');
    expect(botToken).toMatch(/^SLACK_APP_TOKEN is not an app-level token \(not_allowed_token_type\)/);
    expect(botToken).not.toContain('bot-secret');
  });

  it('says Slack did not answer when the API URL is unreachable', async () => {
    const message = await check('xapp-1-A0CLONEBOT-1-good', 'http://127.0.0.1:9/api/');
    expect(message).toMatch(
      /^SLACK_APP_TOKEN could not be checked: apps\.connections\.open at SLACK_API_URL/,
    );
  }, 15_000);
});

describe('redeliveryKey', () => {
  it('keys a command, a click and a submission by trigger_id, an event by event_id', () => {
    expect(redeliveryKey({ command: '/clone', trigger_id: '1.2.abc' })).toBe('command:1.2.abc');
    expect(redeliveryKey({ type: 'block_actions', trigger_id: '3.4.def' })).toBe('block_actions:3.4.def');
    expect(redeliveryKey({ type: 'view_submission', trigger_id: '5.6' })).toBe('view_submission:5.6');
    expect(redeliveryKey({ type: 'event_callback', event_id: 'Ev1', event: {} })).toBe('event:Ev1');
  });

  it('has no key for payloads without one (nothing to guard)', () => {
    expect(redeliveryKey({ type: 'view_closed', view: { id: 'V1' } })).toBeUndefined();
    expect(redeliveryKey(null)).toBeUndefined();
    expect(redeliveryKey({ command: '/clone', trigger_id: '' })).toBeUndefined();
  });
});
