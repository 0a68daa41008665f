import type { App } from '@slack/bolt';
import { SLACK_IDS } from '../../slack-ids.ts';
import type { SlackServices } from '../../slack-services.ts';
import { cloneModalSubmission } from './clone-modal-submission.ts';
import { denyModalSubmission } from './deny-modal-submission.ts';

/** Registers the modal submission listeners. */
export function registerViews(app: App, s: SlackServices): void {
  app.view(SLACK_IDS.cloneModal, cloneModalSubmission(s));
  app.view(SLACK_IDS.denyModal, denyModalSubmission(s));
}
