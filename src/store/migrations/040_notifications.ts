import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

const text = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo('');
const int0 = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(0);

/**
 * Notifications (api-reference/chats/notifications/*): one row per notification and recipient,
 * in the recipient's notification chat (`notify_chats`, a chats row of type S made on first use).
 * `notify_type` is the portal's number: 1 confirm (buttons), 2 from a person, 4 system.
 * `notification_replies` keeps what people answered or confirmed — the module's side of the
 * callback, shown by the control API.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const id = (c: ColumnDefinitionBuilder) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity());
  await db.schema
    .createTable('notifications')
    .addColumn('id', 'integer', id)
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('author_id', 'integer', int0)
    .addColumn('notify_type', 'integer', (c) => c.notNull())
    .addColumn('module', 'varchar(64)', text)
    .addColumn('event', 'varchar(64)', text)
    .addColumn('tag', 'varchar(255)', text)
    .addColumn('sub_tag', 'varchar(255)', text)
    .addColumn('title', 'varchar(255)', text)
    .addColumn('message', 'text', text)
    .addColumn('message_out', 'text', text)
    /** JSON of the params (`{"ATTACH":[…]}`), '' when none */
    .addColumn('params', 'text', text)
    /** JSON of the confirm buttons, '' when none */
    .addColumn('buttons', 'text', text)
    /** 1 when the person may answer it with text (im.notify.answer) */
    .addColumn('answerable', 'integer', int0)
    /** JSON `{value: text}` the module answers a confirm with; '' when it answers nothing */
    .addColumn('replies', 'text', text)
    .addColumn('is_read', 'integer', int0)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notifications_user').on('notifications').columns(['user_id', 'id']).execute();
  await db.schema.createIndex('notifications_tag').on('notifications').columns(['tag']).execute();
  await db.schema.createIndex('notifications_sub_tag').on('notifications').columns(['sub_tag']).execute();

  await db.schema
    .createTable('notify_chats')
    .addColumn('user_id', 'integer', (c) => c.primaryKey())
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('notification_replies')
    .addColumn('id', 'integer', id)
    .addColumn('notify_id', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('module', 'varchar(64)', text)
    .addColumn('event', 'varchar(64)', text)
    .addColumn('tag', 'varchar(255)', text)
    /** answer | confirm */
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('value', 'text', text)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
