// Members' WeChat: the mini-program openid a member binds from the portal (sealed like the other
// personal data, found through its own blind index so one WeChat user binds one member), and the
// values a queued message was written from, so WeChat's subscription message can be filled in.
import type { Kysely, Migration } from 'kysely';

export const memberWechat0016: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('members').addColumn('wechat_openid_sealed', 'text').execute();
    await db.schema.alterTable('members').addColumn('wechat_openid_index', 'text').execute();
    await db.schema.createIndex('members_wechat_openid_idx').on('members').column('wechat_openid_index').unique().execute();
    await db.schema.alterTable('member_messages').addColumn('data', 'text').execute();
    // The member detail page lists a member's messages, newest first.
    await db.schema.createIndex('member_messages_member_idx').on('member_messages').columns(['member_id', 'created_at']).execute();
  },
};
