// What other domains may use of members: the pure core (phone numbers, personal-data sealing,
// member codes, tiers, points) and the service that registers members and moves their points.
export { MOBILE_RULE, isNormalisedPhone, maskPhone, normalisePhone } from './phone';
export {
  blindIndex,
  formatKeyRing,
  generateKeyRing,
  loadKeyRing,
  needsRotation,
  openPii,
  resealPii,
  rotateKeyRing,
  sealPii,
  type KeyRing,
} from './pii';
export {
  MEMBER_CARD_PATTERN,
  MEMBER_QR_PATTERN,
  MEMBER_QR_STEP_SECONDS,
  isMemberCardNo,
  makeMemberCardNo,
  memberQrToken,
  verifyMemberQrToken,
} from './member-code';
export {
  TIER_RULES,
  parseTiers,
  rollingActivity,
  tierFor,
  tierSchema,
  tiersSchema,
  upgradeOnSale,
  yearlyReview,
  type ActivityEntry,
  type Tier,
  type TierActivity,
  type TierRule,
} from './tiers';
export {
  checkRedemption,
  clawbackForReturn,
  earnRulesSchema,
  expiringPoints,
  fenForPoints,
  maxRedeemable,
  parseEarnRules,
  parseRedeemRules,
  pointsForFen,
  pointsForSale,
  redeemRulesSchema,
  type EarnLine,
  type EarnRules,
  type ExpiringPoints,
  type ExpiryRule,
  type PointsEntry,
  type PointsEntryKind,
  type RedeemCheck,
  type RedeemContext,
  type RedeemRules,
} from './points';
export {
  configureMemberKeys,
  registerMember,
  getMember,
  findMemberByPhone,
  memberIdByCode,
  memberQrCode,
  cartMember,
  pointsEarnedBy,
  writeSalePoints,
  writeReturnPoints,
  debitPoints,
  exportMember,
  anonymiseMember,
  type CartMember,
  type MemberView,
  type SalePoints,
  type RegisterInput,
} from './service';
export { ensureMemberKeys, memberKeysFrom, rotateMemberKeyFile, PII_KEYS_ENV, type MemberKeys } from './keys';
export { expireMemberPoints, reviewMemberTiers, resealMembers } from './jobs';
export { checkGift, couponLastDay, couponState, giftPointsBack, type CouponOffer, type CouponState, type Gift, type GiftCheck } from './rewards';
export { issueCoupon, memberCoupons, rewardOffers, usableCoupon, type CouponView, type GiftView } from './coupons';
export { membersConfig, saveMembersConfig, membersConfigSchema, DEFAULT_MEMBERS_CONFIG, type MembersConfig } from './config';
export { configureMessaging, deliverMessages, MAX_ATTEMPTS, type DeliveryReport } from './messages';
export { smsGateway, type SmsGateway, type SmsGatewayConfig, type SmsResult } from './sms-gateway';
export { wechatMiniProgram, type WechatMiniProgramConfig, type WechatSubscribe, type SubscribeResult } from './wechat-subscribe';
export { SUBSCRIBE_KINDS, saveWechatSubscribeSettings, wechatSubscribeSettings, type SubscribeKind, type WechatSubscribeSettings } from './wechat-messages';
export { bindMemberWechat, demoOpenidOfPhone } from './wechat-binding';
