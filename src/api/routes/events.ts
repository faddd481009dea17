/**
 * The event log: filtered, paged by id (oldest first after an id, or newest first), payloads
 * whole. Calls src/app/events.ts pageEvents.
 */
import { pageEvents } from '../../app/events.ts';
import { ownerOf } from '../auth.ts';
import type { ApiInstance } from '../api-instance.ts';
import { ERROR_RESPONSES, Page } from '../schemas/common.ts';
import { EventBody, EventsQuery } from '../schemas/events.ts';

export default async function eventRoutes(app: ApiInstance): Promise<void> {
  const ledger = app.api.ledger;

  app.get(
    '/events',
    {
      config: { access: 'read' },
      schema: {
        tags: ['events'],
        summary: 'The event log: newest first, or oldest first after an event id; paged by nextCursor',
        querystring: EventsQuery,
        response: { 200: Page(EventBody), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const query = request.query;
      return pageEvents(ledger, {
        botId: query.bot,
        order: query.order,
        source: query.source,
        type: query.type,
        after: query.after,
        cursor: query.cursor,
        limit: query.limit,
        owner: ownerOf(request),
      });
    },
  );
}
