import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseCloneCommand } from '../../../core/parse-clone-command.ts';
import { renderCommandError, renderNotice, renderRefusal } from '../../messages/error-message.ts';
import { requestSummary } from '../../messages/request-fields.ts';
import { escapeMrkdwn } from '../../messages/slack-limits.ts';
import type { SlackMessage } from '../../messages/slack-message.ts';
import type { SlackServices } from '../../slack-services.ts';
import { submitRequest } from '../../submit-request.ts';
import { openCloneModal } from './open-clone-modal.ts';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/clone …`: acks at once (Slack allows 3 s), then opens the form, runs a subcommand, or checks and
 * submits a clone request; every answer to the user is ephemeral.
 */
export function cloneCommand(s: SlackServices) {
  return async ({ command, ack, respond, client }: Args): Promise<void> => {
    const text = command.text.trim();
    const log = s.logger.child({ user: command.user_id, channel: command.channel_id });
    // After the "Checking…" ack, the answer replaces it rather than stacking under it.
    let checking = false;
    const reply = async (m: SlackMessage) => {
      await respond({ response_type: 'ephemeral', replace_original: checking, ...m });
    };
    try {
      if (text === '') {
        await ack();
        await openCloneModal(s, client, command.trigger_id, command.channel_id, command.user_id);
        return;
      }
      const [first = '', ...args] = text.split(/\s+/);
      const sub = s.subcommands.find((x) => x.name === first.toLowerCase());
      if (sub) {
        await ack();
        await sub.run({
          services: s,
          userId: command.user_id,
          channelId: command.channel_id,
          args,
          respond: reply,
        });
        return;
      }
      // With a policy file each template has its own maximum lease, checked once the template is known.
      const parsed = parseCloneCommand(text, {
        now: s.clock.now(),
        ...(s.cloneConfig.policy !== undefined ? { maxLeaseMs: Number.MAX_SAFE_INTEGER } : {}),
      });
      if (!parsed.ok) {
        await ack({ response_type: 'ephemeral', ...renderCommandError(parsed.error, parsed.hint) });
        return;
      }
      await ack({
        response_type: 'ephemeral',
        text: `:hourglass_flowing_sand: Checking \`/clone ${escapeMrkdwn(text)}\`…`,
      });
      checking = true;
      const outcome = await submitRequest(s, {
        request: parsed.request,
        text,
        userId: command.user_id,
        userName: command.user_name,
        channelId: command.channel_id,
      });
      if (!outcome.ok) {
        await reply(renderRefusal(outcome.error, outcome.hint));
        return;
      }
      const what = `\`${outcome.record.id}\` (${requestSummary(outcome.record)})`;
      await reply(
        renderNotice(
          outcome.queued
            ? `:white_check_mark: Request ${what} is queued; follow it in the thread of the request message.`
            : `:white_check_mark: Request ${what} is posted and waits for an approver.`,
        ),
      );
    } catch (err) {
      log.error({ err, text }, '/clone failed');
      await reply(
        renderNotice(':x: Something went wrong handling that command; it has been logged. Try again.'),
      ).catch(() => undefined);
    }
  };
}
