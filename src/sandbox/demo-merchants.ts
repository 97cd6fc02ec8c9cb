// The demo's merchant accounts at the sandboxes (never real credentials).
export const DEMO_WECHAT = { appId: 'wxd930ea5d5a258f4f', mchId: '10000100', apiKey: 'demo-sandbox-api-key-change-me-32', signType: 'HMAC-SHA256' as const };
export const DEMO_ALIPAY = { appId: '2021000000000001', account: '20885212319120680156' };
export const DEMO_AGGREGATOR = { merchantNo: 'M8880001', secret: 'demo-aggregator-secret-change-me' };
