import type { App } from '@slack/bolt';
import { publishHome } from '../../publish-home.ts';
import type { SlackServices } from '../../slack-services.ts';

/** Registers the Events API listeners: the App Home tab, published each time a user opens it. */
export function registerEvents(app: App, s: SlackServices): void {
  app.event('app_home_opened', async ({ event, client }) => {
    // The Messages tab fires this event too; only the Home tab shows our view.
    if (event.tab !== undefined && event.tab !== 'home') return;
    await publishHome(s, client, event.user);
  });
}
