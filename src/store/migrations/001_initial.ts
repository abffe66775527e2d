import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** An auto-increment primary key that never reuses ids (deleted bots' ids stay dead, as on a portal). */
function id<T extends string>(t: CreateTableBuilder<T, never>, dialect: Dialect) {
  return t.addColumn('id', 'integer', (c: ColumnDefinitionBuilder) =>
    dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity(),
  );
}

const text = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo('');
const int0 = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(0);

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('portal')
    .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', text)
    .execute();

  await id(db.schema.createTable('users'), dialect)
    .addColumn('login', 'varchar(50)', text)
    .addColumn('name', 'text', text)
    .addColumn('last_name', 'text', text)
    .addColumn('email', 'text', text)
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('is_admin', 'integer', int0)
    .addColumn('external_auth_id', 'varchar(32)', text)
    .addColumn('user_type', 'varchar(16)', (c) => c.notNull().defaultTo('employee'))
    .addColumn('work_position', 'text', text)
    .addColumn('personal_gender', 'varchar(1)', text)
    .addColumn('personal_birthday', 'varchar(32)', text)
    .addColumn('personal_www', 'text', text)
    .addColumn('personal_photo', 'text', text)
    .addColumn('color', 'varchar(32)', text)
    .addColumn('time_zone', 'varchar(64)', text)
    .addColumn('departments', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('date_register', 'bigint', int0)
    .addColumn('last_activity', 'bigint')
    .execute();
  await db.schema.createIndex('users_login').on('users').column('login').execute();

  await db.schema
    .createTable('bots')
    .addColumn('bot_id', 'integer', (c) => c.primaryKey())
    .addColumn('code', 'varchar(50)', (c) => c.notNull())
    .addColumn('module_id', 'varchar(50)', (c) => c.notNull().defaultTo('rest'))
    .addColumn('type', 'varchar(1)', (c) => c.notNull().defaultTo('B'))
    .addColumn('openline', 'varchar(1)', (c) => c.notNull().defaultTo('N'))
    .addColumn('app_id', 'varchar(128)', text)
    .addColumn('api_version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('event_mode', 'varchar(16)', (c) => c.notNull().defaultTo('WEBHOOK'))
    .addColumn('bot_token', 'varchar(64)')
    .addColumn('lang', 'varchar(2)', text)
    .addColumn('hidden', 'varchar(1)', (c) => c.notNull().defaultTo('N'))
    .addColumn('verified', 'varchar(1)', (c) => c.notNull().defaultTo('N'))
    .addColumn('reactions_enabled', 'varchar(1)', (c) => c.notNull().defaultTo('N'))
    .addColumn('created_at', 'bigint', int0)
    .execute();
  await db.schema.createIndex('bots_app').on('bots').column('app_id').execute();
  await db.schema.createIndex('bots_code').on('bots').columns(['module_id', 'code']).execute();

  await id(db.schema.createTable('chats'), dialect)
    .addColumn('type', 'varchar(1)', (c) => c.notNull())
    .addColumn('title', 'text', text)
    .addColumn('description', 'text', text)
    .addColumn('color', 'varchar(32)', text)
    .addColumn('avatar', 'text', text)
    .addColumn('author_id', 'integer', int0)
    .addColumn('owner_id', 'integer', int0)
    .addColumn('entity_type', 'varchar(50)', text)
    .addColumn('entity_id', 'varchar(255)', text)
    .addColumn('entity_data_1', 'text', text)
    .addColumn('entity_data_2', 'text', text)
    .addColumn('entity_data_3', 'text', text)
    .addColumn('extranet', 'integer', int0)
    .addColumn('can_post', 'varchar(16)', (c) => c.notNull().defaultTo('MEMBER'))
    .addColumn('text_field_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('last_message_id', 'integer', int0)
    .addColumn('message_count', 'integer', int0)
    .addColumn('created_at', 'bigint', int0)
    .execute();
  await db.schema.createIndex('chats_entity').on('chats').columns(['entity_type', 'entity_id']).execute();

  await db.schema
    .createTable('chat_members')
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull().defaultTo('member'))
    .addColumn('last_read_message_id', 'integer', int0)
    .addColumn('muted', 'integer', int0)
    .addColumn('joined_at', 'bigint', int0)
    .addPrimaryKeyConstraint('chat_members_pk', ['chat_id', 'user_id'])
    .execute();
  await db.schema.createIndex('chat_members_user').on('chat_members').columns(['user_id', 'chat_id']).execute();

  await db.schema
    .createTable('private_dialogs')
    .addColumn('user_lo', 'integer', (c) => c.notNull())
    .addColumn('user_hi', 'integer', (c) => c.notNull())
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('private_dialogs_pk', ['user_lo', 'user_hi'])
    .execute();
  await db.schema.createIndex('private_dialogs_hi').on('private_dialogs').column('user_hi').execute();
  await db.schema.createIndex('private_dialogs_chat').on('private_dialogs').column('chat_id').execute();

  await id(db.schema.createTable('messages'), dialect)
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('author_id', 'integer', int0)
    .addColumn('text', 'text', text)
    .addColumn('system', 'varchar(1)', (c) => c.notNull().defaultTo('N'))
    .addColumn('params', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('uuid', 'varchar(64)')
    .addColumn('reply_id', 'integer')
    .addColumn('created_at', 'bigint', int0)
    .addColumn('updated_at', 'bigint')
    .addColumn('deleted', 'integer', int0)
    .execute();
  await db.schema.createIndex('messages_chat').on('messages').columns(['chat_id', 'id']).execute();
  await db.schema.createIndex('messages_author').on('messages').columns(['author_id', 'chat_id']).execute();

  await id(db.schema.createTable('commands'), dialect)
    .addColumn('bot_id', 'integer', (c) => c.notNull())
    .addColumn('app_id', 'varchar(128)', text)
    .addColumn('command', 'varchar(255)', (c) => c.notNull())
    .addColumn('common', 'varchar(1)', (c) => c.notNull().defaultTo('N'))
    .addColumn('hidden', 'varchar(1)', (c) => c.notNull().defaultTo('N'))
    .addColumn('extranet_support', 'varchar(1)', (c) => c.notNull().defaultTo('N'))
    .addColumn('sonet_support', 'varchar(1)', (c) => c.notNull().defaultTo('N'))
    .addColumn('created_at', 'bigint', int0)
    .execute();
  await db.schema.createIndex('commands_bot').on('commands').columns(['bot_id', 'command']).unique().execute();

  await db.schema
    .createTable('command_langs')
    .addColumn('command_id', 'integer', (c) => c.notNull())
    .addColumn('language_id', 'varchar(2)', (c) => c.notNull())
    .addColumn('title', 'varchar(255)', text)
    .addColumn('params', 'varchar(255)', text)
    .addPrimaryKeyConstraint('command_langs_pk', ['command_id', 'language_id'])
    .execute();

  await id(db.schema.createTable('webhooks'), dialect)
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('code', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('scope', 'text', text)
    .addColumn('title', 'text', text)
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('blocked', 'integer', int0)
    .addColumn('created_at', 'bigint', int0)
    .addColumn('expires_at', 'bigint')
    .execute();

  await id(db.schema.createTable('apps'), dialect)
    .addColumn('client_id', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('client_secret', 'varchar(128)', text)
    .addColumn('name', 'text', text)
    .addColumn('scope', 'text', text)
    .addColumn('handler_url', 'text', text)
    .addColumn('install_url', 'text', text)
    .addColumn('redirect_uri', 'text', text)
    .addColumn('application_token', 'varchar(64)', text)
    .addColumn('status', 'varchar(1)', (c) => c.notNull().defaultTo('L'))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('installed', 'integer', int0)
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('blocked', 'integer', int0)
    .addColumn('created_at', 'bigint', int0)
    .execute();

  await db.schema
    .createTable('oauth_tokens')
    .addColumn('token', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('app_id', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('scope', 'text', text)
    .addColumn('expires_at', 'bigint', int0)
    .addColumn('created_at', 'bigint', int0)
    .addColumn('revoked', 'integer', int0)
    .execute();
  await db.schema.createIndex('oauth_tokens_app').on('oauth_tokens').columns(['app_id', 'kind']).execute();

  await id(db.schema.createTable('event_bindings'), dialect)
    .addColumn('event_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('handler_url', 'text', text)
    .addColumn('app_id', 'integer', int0)
    .addColumn('application_token', 'varchar(255)', text)
    .addColumn('user_id', 'integer', int0)
    .addColumn('auth_type', 'integer', int0)
    .addColumn('event_type', 'varchar(16)', (c) => c.notNull().defaultTo('online'))
    .addColumn('connector_id', 'varchar(255)', text)
    .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', int0)
    .execute();
  await db.schema
    .createIndex('event_bindings_app')
    .on('event_bindings')
    .columns(['event_name', 'app_id', 'application_token'])
    .execute();

  await id(db.schema.createTable('event_outbox'), dialect)
    .addColumn('event_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('binding_id', 'integer', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', int0)
    .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', int0)
    .addColumn('next_attempt_at', 'bigint', int0)
    .addColumn('delivered_at', 'bigint')
    .addColumn('last_error', 'text', text)
    .execute();
  await db.schema.createIndex('event_outbox_due').on('event_outbox').columns(['status', 'next_attempt_at']).execute();

  await db.schema
    .createTable('ui_sessions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('sessid', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', int0)
    .addColumn('expires_at', 'bigint', int0)
    .execute();
}
