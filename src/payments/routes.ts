// Payments over HTTP: what providers call back. WeChat Pay posts refund results here, signed
// with its platform key; the body is read as the raw text its signature covers.
import type { TpApp } from '../platform/http/server';
import { isAppError } from '../platform/errors';
import { acceptWechatRefundNotification } from './refund-notify';

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

export async function paymentRoutes(app: TpApp): Promise<void> {
  // This plugin only: JSON stays text, byte for byte as signed (Fastify scopes parsers per plugin).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post(
    '/payments/wechat/refund-notify',
    { schema: { tags: ['payments'], summary: 'WeChat Pay v3 refund result notification (REFUND.SUCCESS | REFUND.ABNORMAL | REFUND.CLOSED), verified and applied once' } },
    async (req, reply) => {
      const h = req.headers;
      try {
        const result = await acceptWechatRefundNotification(req.ctx, { timestamp: header(h['wechatpay-timestamp']), nonce: header(h['wechatpay-nonce']), signature: header(h['wechatpay-signature']), serial: header(h['wechatpay-serial']) }, typeof req.body === 'string' ? req.body : '');
        req.log.info({ refundNo: result.refundNo, status: result.status }, 'WeChat refund notification applied');
        // WeChat takes 200 or 204 without a body as "received".
        return reply.status(204).send();
      } catch (err) {
        if (!isAppError(err)) throw err;
        req.log.warn({ code: err.code }, 'WeChat refund notification refused');
        // WeChat's own error shape; it sends the notification again later (a refused replay stays refused).
        return reply.status(err.status).type('application/json').send({ code: 'FAIL', message: err.message, reason: err.code });
      }
    },
  );
}
