// Demo-only pages of the sandboxes: the SMS inbox shows what each member's phone "received".
import { z } from 'zod';
import type { TpApp } from '../platform/http/server';
import { normalisePhone } from '../members/index';
import { demoInbox } from './sms';

export async function sandboxRoutes(app: TpApp): Promise<void> {
  app.get('/sandbox/sms', { schema: { tags: ['sandbox'], summary: 'Demo only: the SMS messages the sandbox gateway delivered to a phone', querystring: z.object({ phone: z.string().max(32) }) } }, (req) => ({
    messages: demoInbox(normalisePhone(req.query.phone)),
  }));
}
