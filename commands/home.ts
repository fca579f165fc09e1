/** The App Home tab: rebuilt and published each time a person opens it. */
import type { App } from '@slack/bolt';
import { z } from 'zod';
import { homeView } from '../views/home.js';
import type { ListenerDeps } from './deps.js';

const homeOpened = z.object({
  user: z.string().regex(/^[UW][A-Z0-9]{2,30}$/),
  tab: z.string().max(20),
});

export function register(app: App, deps: ListenerDeps): void {
  app.event('app_home_opened', async ({ event }) => {
    const opened = homeOpened.safeParse(event);
    // The Messages tab opens the same event; only the Home tab shows a view.
    if (!opened.success || opened.data.tab !== 'home') return;
    const { user } = opened.data;
    try {
      await deps.publishHome(user, homeView(await deps.queries.home(user)));
    } catch (err) {
      // The next visit publishes again; nothing else depends on this view.
      deps.logger.warn({ err, user }, 'could not publish the Home tab');
    }
  });
}
