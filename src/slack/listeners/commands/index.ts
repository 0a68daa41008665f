import type { App } from '@slack/bolt';
import { SLACK_IDS } from '../../slack-ids.ts';
import type { SlackServices } from '../../slack-services.ts';
import { cloneCommand } from './clone-command.ts';

/** Registers the slash command listeners. */
export function registerCommands(app: App, s: SlackServices): void {
  app.command(SLACK_IDS.command, cloneCommand(s));
}
