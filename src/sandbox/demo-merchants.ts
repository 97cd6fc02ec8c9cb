// The demo's merchant accounts at the sandboxes (never real credentials).
export const DEMO_WECHAT = { appId: 'wxd930ea5d5a258f4f', mchId: '10000100', apiKey: 'demo-sandbox-api-key-change-me-32', signType: 'HMAC-SHA256' as const };
/** WeChat Pay API v3 names of the demo merchant; its RSA keys are made at each start. */
export const DEMO_WECHAT_V3 = { merchantSerialNo: '3775B6A45ACD588826D15E583A95F5DD2A0C5F1E', platformSerialNo: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1', apiV3Key: 'demo-sandbox-apiv3-key-change-me' };
export const DEMO_ALIPAY = { appId: '2021000000000001', account: '20885212319120680156' };
export const DEMO_AGGREGATOR = { merchantNo: 'M8880001', secret: 'demo-aggregator-secret-change-me' };
/** The demo merchant's bank account, where the channels pay their settlements. */
export const DEMO_BANK = { account: '0200001234567890123', name: 'Tillpoint 演示商户' };
/** The demo's card acquiring: merchant number at the acquirer and the sandbox terminal's id. */
export const DEMO_CARD = { merchantNo: '898310000000001', terminalId: 'T0000001' };
