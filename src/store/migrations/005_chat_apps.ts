import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

const text = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo('');
const no = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo('N');

/**
 * Legacy chat applications (`imbot.app.*`, api-reference/chats/outdated/create-app/; `b_im_app`, `b_im_app_lang`):
 * a JS command or an IFRAME page a bot offers in the messenger's text panel.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('chat_apps')
    .addColumn('id', 'integer', (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
    .addColumn('bot_id', 'integer', (c) => c.notNull())
    /** the owning application: OAuth client_id or "custom" + CLIENT_ID */
    .addColumn('app_id', 'varchar(128)', text)
    .addColumn('code', 'varchar(255)', (c) => c.notNull())
    .addColumn('hash', 'varchar(32)', text)
    .addColumn('context', 'varchar(128)', text)
    .addColumn('js', 'varchar(255)', text)
    .addColumn('iframe', 'varchar(255)', text)
    .addColumn('iframe_width', 'integer', (c) => c.notNull().defaultTo(350))
    .addColumn('iframe_height', 'integer', (c) => c.notNull().defaultTo(250))
    .addColumn('iframe_popup', 'varchar(1)', no)
    .addColumn('hidden', 'varchar(1)', no)
    .addColumn('extranet_support', 'varchar(1)', no)
    .addColumn('livechat_support', 'varchar(1)', no)
    /** the icon as a `data:` URL; '' when none */
    .addColumn('icon', 'text', text)
    .addColumn('created_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('chat_apps_bot').on('chat_apps').columns(['bot_id', 'code']).unique().execute();

  await db.schema
    .createTable('chat_app_langs')
    .addColumn('chat_app_id', 'integer', (c) => c.notNull())
    .addColumn('language_id', 'varchar(2)', (c) => c.notNull())
    .addColumn('title', 'varchar(255)', text)
    .addColumn('description', 'varchar(255)', text)
    .addColumn('copyright', 'varchar(255)', text)
    .addPrimaryKeyConstraint('chat_app_langs_pk', ['chat_app_id', 'language_id'])
    .execute();
}
