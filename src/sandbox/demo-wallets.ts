// The demo's wallets: local sandboxes speaking the providers' protocols (WeChat Pay v2 payments
// and v3 refunds, Alipay OpenAPI, with RSA keys made for this run; an aggregator for UnionPay and
// e-CNY), and the merchant settings that talk to them. Used by `tillpoint start` in demo mode
// and by tests that pay with wallets.
import { generateKeyPairSync } from 'node:crypto';
import type { Clock } from '../platform/clock';
import type { WalletSettings } from '../payments/index';
import { DEMO_AGGREGATOR, DEMO_ALIPAY, DEMO_WECHAT, DEMO_WECHAT_V3 } from './demo-merchants';
import { sandboxJournals } from './export';
import { startWechatSandbox, type WechatSandbox } from './wechat-pay';
import { startAlipaySandbox, type AlipaySandbox } from './alipay';
import { startAggregatorSandbox, type AggregatorSandbox } from './aggregator';
import { keepCardJournal } from './card-terminal';

export interface DemoWallets {
  /** What to pass to `configureWallets` (plus how to wait between queries). */
  settings: Omit<WalletSettings, 'wait'>;
  wechat: WechatSandbox;
  alipay: AlipaySandbox;
  aggregator: AggregatorSandbox;
  close(): Promise<void>;
}

function rsaKeys() {
  return generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
}

/**
 * Starts the three wallet sandboxes on loopback ports; with `dataDir`, they and the card terminal keep
 * their orders under it for `sandbox export`; with `refundNotifyUrl`, WeChat posts refund
 * results there.
 *
 * @example const demo = await startDemoWallets({ clock: systemClock, dataDir: 'data' }); configureWallets('*', demo.settings)
 */
export async function startDemoWallets(options: { clock: Clock; dataDir?: string; timeoutMs?: number; refundNotifyUrl?: string }): Promise<DemoWallets> {
  const journals = options.dataDir ? sandboxJournals(options.dataDir) : undefined;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const [alipayMerchant, alipayProvider, wechatMerchant, wechatPlatform] = [rsaKeys(), rsaKeys(), rsaKeys(), rsaKeys()];
  const wechat = await startWechatSandbox({
    ...DEMO_WECHAT,
    clock: options.clock,
    journalFile: journals?.wechat,
    publishedBills: journals?.published,
    v3: { merchantPublicKeyPem: wechatMerchant.publicKey, merchantSerialNo: DEMO_WECHAT_V3.merchantSerialNo, platformPrivateKeyPem: wechatPlatform.privateKey, platformSerialNo: DEMO_WECHAT_V3.platformSerialNo, apiV3Key: DEMO_WECHAT_V3.apiV3Key },
  });
  const alipay = await startAlipaySandbox({ appId: DEMO_ALIPAY.appId, merchantPublicKeyPem: alipayMerchant.publicKey, alipayPrivateKeyPem: alipayProvider.privateKey, clock: options.clock, journalFile: journals?.alipay, publishedBills: journals?.published });
  const aggregator = await startAggregatorSandbox({ ...DEMO_AGGREGATOR, clock: options.clock, journalFile: journals?.aggregator });
  // The till's card terminal is the sandbox's; its approvals go to the acquirer's settlement file.
  if (journals) keepCardJournal({ journalFile: journals.card, clock: options.clock });
  const v3 = { merchantPrivateKeyPem: wechatMerchant.privateKey, merchantSerialNo: DEMO_WECHAT_V3.merchantSerialNo, platformPublicKeyPem: wechatPlatform.publicKey, platformSerialNo: DEMO_WECHAT_V3.platformSerialNo, apiV3Key: DEMO_WECHAT_V3.apiV3Key };
  return {
    settings: {
      wechat: { ...DEMO_WECHAT, baseUrl: wechat.url, timeoutMs, v3, clock: options.clock, ...(options.refundNotifyUrl ? { refundNotifyUrl: options.refundNotifyUrl } : {}) },
      alipay: { gatewayUrl: alipay.url, appId: DEMO_ALIPAY.appId, privateKeyPem: alipayMerchant.privateKey, alipayPublicKeyPem: alipayProvider.publicKey, timeoutMs },
      aggregator: { ...DEMO_AGGREGATOR, baseUrl: aggregator.url, timeoutMs },
    },
    wechat,
    alipay,
    aggregator,
    close: async () => {
      if (journals) keepCardJournal(null);
      await Promise.all([wechat.close(), alipay.close(), aggregator.close()]);
    },
  };
}
