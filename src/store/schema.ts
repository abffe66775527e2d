import type { ColumnType, Generated } from 'kysely';

/**
 * The whole messenger's tables. Times are Unix milliseconds from the injectable clock; flags are
 * 0/1 integers; values the API exposes as 'Y'/'N' are stored as such. Portable between SQLite and
 * PostgreSQL: no engine-specific types, JSON kept as text.
 */
type Id = Generated<number>;
/** A column with a database default: optional when inserting. */
type Def<T> = ColumnType<T, T | undefined, T>;

export interface PortalTable {
  key: string;
  value: Def<string>;
}

export interface UsersTable {
  id: Id;
  login: Def<string>;
  name: Def<string>;
  last_name: Def<string>;
  email: Def<string>;
  active: Def<number>;
  is_admin: Def<number>;
  /** '' for people, 'bot' for bots (as EXTERNAL_AUTH_ID on a portal). */
  external_auth_id: Def<string>;
  /** 'employee' | 'extranet' | 'bot' */
  user_type: Def<string>;
  work_position: Def<string>;
  personal_gender: Def<string>;
  personal_birthday: Def<string>;
  personal_www: Def<string>;
  personal_photo: Def<string>;
  color: Def<string>;
  time_zone: Def<string>;
  /** JSON int array */
  departments: Def<string>;
  date_register: Def<number>;
  last_activity: Def<number | null>;
}

export interface BotsTable {
  /** = users.id: bots live in the users' id space. */
  bot_id: number;
  code: string;
  module_id: Def<string>;
  /** B, H, S, O (registrable), N, P (internal) */
  type: Def<string>;
  openline: Def<string>;
  /** Owner key: the OAuth client_id, or "custom" + CLIENT_ID for webhook bots. */
  app_id: Def<string>;
  /** 1 = registered through imbot.*, 2 = through imbot.v2.* */
  api_version: Def<number>;
  /** WEBHOOK | FETCH */
  event_mode: Def<string>;
  bot_token: Def<string | null>;
  lang: Def<string>;
  hidden: Def<string>;
  verified: Def<string>;
  reactions_enabled: Def<string>;
  created_at: Def<number>;
  /** (007) v2 chat background: azure, mint, … or null */
  background_id: Def<string | null>;
  /** (007) the webhookUrl of a v2 bot in WEBHOOK mode ('' otherwise) */
  webhook_url: Def<string>;
  /** (007) the application_token of this bot's ONIMBOTV2* deliveries (webhook-token bots, the portal's behaviour) */
  event_secret: Def<string>;
}

export interface ChatsTable {
  id: Id;
  /** P private, C closed group, O open, S system, L open line */
  type: string;
  title: Def<string>;
  description: Def<string>;
  color: Def<string>;
  avatar: Def<string>;
  author_id: Def<number>;
  owner_id: Def<number>;
  entity_type: Def<string>;
  entity_id: Def<string>;
  entity_data_1: Def<string>;
  entity_data_2: Def<string>;
  entity_data_3: Def<string>;
  extranet: Def<number>;
  can_post: Def<string>;
  text_field_enabled: Def<number>;
  last_message_id: Def<number>;
  message_count: Def<number>;
  created_at: Def<number>;
}

export interface ChatMembersTable {
  chat_id: number;
  user_id: number;
  /** owner | manager | member */
  role: Def<string>;
  last_read_message_id: Def<number>;
  muted: Def<number>;
  joined_at: Def<number>;
}

/** The one private chat between two users; user_lo < user_hi. */
export interface PrivateDialogsTable {
  user_lo: number;
  user_hi: number;
  chat_id: number;
}

export interface MessagesTable {
  id: Id;
  chat_id: number;
  author_id: Def<number>;
  text: Def<string>;
  system: Def<string>;
  /** JSON object: ATTACH, KEYBOARD, MENU, URL_PREVIEW, LIKE, ... */
  params: Def<string>;
  uuid: Def<string | null>;
  reply_id: Def<number | null>;
  created_at: Def<number>;
  updated_at: Def<number | null>;
  deleted: Def<number>;
  /** (009) a forwarded message: the original's id, author, chat and date (ms); null otherwise */
  forward_id: Def<number | null>;
  forward_user_id: Def<number | null>;
  forward_chat_id: Def<number | null>;
  forward_date: Def<number | null>;
}

/** (009) v2 reactions by a user on a message (camelCase codes, api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/chat-message-reaction-add.md#reactions); `like` lives in params.LIKE */
export interface MessageReactionsTable {
  message_id: number;
  user_id: number;
  reaction: string;
  created_at: Def<number>;
}

export interface CommandsTable {
  id: Id;
  bot_id: number;
  app_id: Def<string>;
  command: string;
  common: Def<string>;
  hidden: Def<string>;
  extranet_support: Def<string>;
  sonet_support: Def<string>;
  created_at: Def<number>;
}

export interface CommandLangsTable {
  command_id: number;
  language_id: string;
  title: Def<string>;
  params: Def<string>;
}

/** (003) The bot may answer a command in this dialog until `expires_at` (imbot.command.answer). */
export interface CommandAnswerTokensTable {
  bot_id: number;
  /** `"<userId>"` or `"chat<id>"` */
  dialog_id: string;
  expires_at: number;
}

/** (005) A legacy chat application of a bot (imbot.app.*, api-reference/chats/outdated/create-app/). */
export interface ChatAppsTable {
  id: Id;
  bot_id: number;
  app_id: Def<string>;
  code: string;
  hash: Def<string>;
  /** lower-cased as registered: all, user, chat, bot, lines, call (+ "-admin") */
  context: Def<string>;
  js: Def<string>;
  iframe: Def<string>;
  iframe_width: Def<number>;
  iframe_height: Def<number>;
  iframe_popup: Def<string>;
  hidden: Def<string>;
  extranet_support: Def<string>;
  livechat_support: Def<string>;
  icon: Def<string>;
  created_at: Def<number>;
}

export interface ChatAppLangsTable {
  chat_app_id: number;
  language_id: string;
  title: Def<string>;
  description: Def<string>;
  copyright: Def<string>;
}

export interface WebhooksTable {
  id: Id;
  user_id: number;
  code: string;
  /** comma list of scope codes */
  scope: Def<string>;
  title: Def<string>;
  active: Def<number>;
  blocked: Def<number>;
  created_at: Def<number>;
  expires_at: Def<number | null>;
}

export interface AppsTable {
  id: Id;
  client_id: string;
  client_secret: Def<string>;
  name: Def<string>;
  scope: Def<string>;
  handler_url: Def<string>;
  install_url: Def<string>;
  redirect_uri: Def<string>;
  application_token: Def<string>;
  status: Def<string>;
  version: Def<number>;
  installed: Def<number>;
  active: Def<number>;
  blocked: Def<number>;
  created_at: Def<number>;
  /** (004) comma list of user ids allowed to use the app; '' = everyone */
  access: Def<string>;
  /** (004) the user whose tokens ONAPPINSTALL carries */
  install_user_id: Def<number>;
  /** (004) where ONAPPUNINSTALL is POSTed ('' = nowhere) */
  uninstall_url: Def<string>;
}

export interface OAuthTokensTable {
  token: string;
  /** access | refresh | code */
  kind: string;
  app_id: number;
  user_id: number;
  scope: Def<string>;
  expires_at: Def<number>;
  created_at: Def<number>;
  revoked: Def<number>;
}

export interface EventBindingsTable {
  /** event_handler_id on the wire */
  id: Id;
  event_name: string;
  handler_url: Def<string>;
  /** apps.id, or 0 for bindings made through a webhook (imbot.register with CLIENT_ID) */
  app_id: Def<number>;
  /** the app's client_id, or the raw CLIENT_ID of a webhook bot */
  application_token: Def<string>;
  user_id: Def<number>;
  auth_type: Def<number>;
  /** online | offline */
  event_type: Def<string>;
  connector_id: Def<string>;
  /** JSON object */
  options: Def<string>;
  created_at: Def<number>;
}

export interface EventOutboxTable {
  id: Id;
  event_name: string;
  binding_id: number;
  /** JSON of the body to deliver */
  payload: string;
  created_at: Def<number>;
  /** pending | delivered | failed | cancelled */
  status: Def<string>;
  attempts: Def<number>;
  next_attempt_at: Def<number>;
  delivered_at: Def<number | null>;
  last_error: Def<string>;
  /** (002) the stable event id sent as X-Imbot-Event-Id */
  uid: Def<string>;
  /** (002) ordering lane: one application's events are delivered one after another */
  lane: Def<string>;
  /** (002) the handler URL, frozen when the event was written */
  handler_url: Def<string>;
  /** (002) HTTP status of the last attempt, null if none answered */
  last_status: Def<number | null>;
}

/** (002) One delivery attempt of an outbox row. */
export interface EventAttemptsTable {
  id: Id;
  outbox_id: number;
  attempt: number;
  started_at: number;
  duration_ms: Def<number>;
  http_status: Def<number | null>;
  error: Def<string>;
  response: Def<string>;
}

/** (006) The offline event queue (api-reference/events/offline-events.md). */
export interface EventOfflineTable {
  id: Id;
  changed_at: Def<number>;
  message_id: string;
  app_id: number;
  event_name: string;
  event_data: Def<string>;
  event_additional: Def<string>;
  process_id: Def<string>;
  connector_id: Def<string>;
  error: Def<number>;
}

/** (006) When an ONOFFLINEEVENT binding was last notified. */
export interface EventOfflineNoticesTable {
  binding_id: number;
  sent_at: Def<number>;
}

/** (008) The v2 fetch-mode event log: bots' and subscribed users' queues, one id sequence. */
export interface V2EventLogTable {
  id: Id;
  owner_id: number;
  event_type: string;
  /** JSON of `data` */
  event_data: string;
  created_at: Def<number>;
}

/** The v2 fetch log's id counter (migration 013): one row, named `v2_event_log`. */
export interface V2EventCounterTable {
  name: string;
  last_id: number;
}

/** (008) Users whose ONIMV2* events are recorded (im.v2.Event.subscribe). */
export interface V2EventSubscribersTable {
  user_id: number;
  created_at: Def<number>;
}

/** (008) Fetch-mode v2 bots deleted lately: their old owner may still read the queue. */
export interface V2DeletedBotsTable {
  bot_id: number;
  app_id: string;
  deleted_at: Def<number>;
}

/** A person's web sign-in password (scrypt, src/auth/sessions.ts). */
export interface UserPasswordsTable {
  user_id: number;
  hash: string;
  updated_at: Def<number>;
}

export interface UiSessionsTable {
  /** the session cookie value */
  id: string;
  /** the CSRF token a browser sends as `sessid` */
  sessid: string;
  user_id: number;
  created_at: Def<number>;
  expires_at: Def<number>;
}

/** (010) A file uploaded into a chat (api-reference/chat-bots/chat-bots-v2/imbot.v2/files/); the bytes live in the file store. */
export interface FilesTable {
  id: Id;
  chat_id: number;
  author_id: number;
  name: Def<string>;
  extension: Def<string>;
  /** file | image | video | audio */
  type: Def<string>;
  mime: Def<string>;
  size: Def<number>;
  width: Def<number>;
  height: Def<number>;
  storage_key: string;
  created_at: number;
  /** (048) the Drive folder; 0: the chat's folder */
  folder_id: Def<number>;
  /** (048) 1 once a message carries the file; 0 for an upload still waiting for im.disk.file.commit */
  attached: Def<number>;
}

/** (075) One chunk of a stored file's bytes (files/db-store.ts); a key's parts are 0, 1, … */
export interface FileChunksTable {
  storage_key: string;
  part: number;
  bytes: Buffer;
  /** wall-clock ms of the write (orphan sweep grace), not portal time */
  stored_at: number;
}

/** (011) A bot's live input indicator in a chat (imbot.v2.Chat.InputAction.notify). */
export interface ChatInputActionsTable {
  chat_id: number;
  user_id: number;
  code: Def<string>;
  expires_at: number;
}

/** (040) A notification in its recipient's notification chat (api-reference/chats/notifications). */
export interface NotificationsTable {
  id: Id;
  user_id: number;
  chat_id: number;
  author_id: Def<number>;
  /** 1 confirm, 2 from a person, 4 system */
  notify_type: number;
  module: Def<string>;
  event: Def<string>;
  tag: Def<string>;
  sub_tag: Def<string>;
  title: Def<string>;
  message: Def<string>;
  message_out: Def<string>;
  params: Def<string>;
  buttons: Def<string>;
  answerable: Def<number>;
  replies: Def<string>;
  is_read: Def<number>;
  created_at: number;
}

/** (040) A person's notification chat (a chats row of type S). */
/** (060) An open line: its bot (0 = none), operator queue (JSON ids) and welcome text. */
export interface OpenLinesTable {
  id: Id;
  name: Def<string>;
  bot_id: Def<number>;
  queue: Def<string>;
  welcome_message: Def<string>;
  created_at: number;
}

/** (060) One visitor dialog on a line, in a chat of type L. */
export interface OpenLineSessionsTable {
  id: Id;
  line_id: number;
  chat_id: number;
  visitor_id: number;
  status: 'bot' | 'operator' | 'closed';
  bot_id: Def<number>;
  operator_id: Def<number>;
  started_at: number;
  closed_at: number | null;
}

export interface NotifyChatsTable {
  user_id: number;
  chat_id: number;
}

/** (040) An answer or a pressed button, as the notification's module received it. */
export interface NotificationRepliesTable {
  id: Id;
  notify_id: number;
  user_id: number;
  module: Def<string>;
  event: Def<string>;
  tag: Def<string>;
  kind: string;
  value: Def<string>;
  created_at: number;
}

/** (041) A key an application stored with app.option.set (`value`: JSON). */
export interface AppOptionsTable {
  app_id: number;
  name: string;
  value: string;
}

/** (041) A key an application stored for one user with user.option.set (`value`: JSON). */
export interface UserOptionsTable {
  app_id: number;
  user_id: number;
  name: string;
  value: string;
}

/** (042) A person's chosen messenger status and idle start. */
export interface UserStatusTable {
  user_id: number;
  status: Def<string>;
  idle_since: number | null;
}

/** (043) The company structure: one row per department; parent_id 0 = the top-level one. */
export interface DepartmentsTable {
  id: Id;
  name: string;
  sort: Def<number>;
  parent_id: Def<number>;
  /** the head's user id (UF_HEAD), 0 for none */
  head_id: Def<number>;
  /** DEPARTMENT (department.* sees it) or TEAM (humanresources.* only), migration 061 */
  type: Def<string>;
  description: Def<string>;
  /** a team's colour (blue, green, …), null for none */
  color_name: Def<string | null>;
  xml_id: Def<string | null>;
  /** ms; null for rows older than migration 061 */
  created_at: Def<number | null>;
  updated_at: Def<number | null>;
}

/** Roles a department row cannot hold: department deputies, every team member (migration 061). */
export interface NodeMemberRolesTable {
  node_id: number;
  user_id: number;
  /** MEMBER_DEPUTY_HEAD for a department; MEMBER_TEAM_HEAD | MEMBER_TEAM_DEPUTY_HEAD | MEMBER_TEAM_EMPLOYEE for a team */
  role: string;
}

/** Chats bound to a node (humanresources.node.communication.*, migration 061). */
export interface NodeCommunicationsTable {
  node_id: number;
  chat_id: number;
  /** CHAT | CHANNEL | COLLAB */
  type: string;
  /** the node the binding came from when it was applied to children (withChildren) */
  original_node_id: Def<number | null>;
}

/** (044) A person's recent-search list (im.search.last.*). */
export interface SearchLastTable {
  user_id: number;
  /** `"42"` or `"chat7"` */
  dialog_id: string;
  added_at: number;
}

/** (045) A custom user field (UF_USR_…). */
export interface UserFieldsTable {
  id: Id;
  field_name: string;
  user_type_id: string;
  xml_id: string | null;
  sort: Def<number>;
  multiple: Def<string>;
  mandatory: Def<string>;
  show_filter: Def<string>;
  show_in_list: Def<string>;
  edit_in_list: Def<string>;
  is_searchable: Def<string>;
  settings: Def<string>;
  labels: Def<string>;
}

/** (052) One `LIST` item of an enumeration user field. */
export interface UserFieldEnumsTable {
  id: Id;
  field_id: number;
  value: string;
  def: Def<string>;
  sort: Def<number>;
  xml_id: string;
}

/** (045) One person's value of one custom field, JSON. */
export interface UserFieldValuesTable {
  user_id: number;
  field_id: number;
  value: string;
}

/** (047) One person's marks on one recent-list entry: pinned, manual unread, hidden. */
export interface RecentFlagsTable {
  user_id: number;
  chat_id: number;
  pinned: Def<number>;
  pin_sort: Def<number>;
  unread: Def<number>;
  hidden_up_to: Def<number | null>;
}

/** (048) A Drive folder: a chat's (`kind` 'chat') or a person's "Saved Files" (`kind` 'saved'). */
export interface DiskFoldersTable {
  id: Id;
  kind: string;
  owner_id: number;
  name: Def<string>;
  created_at: number;
}

/** (049) A one-time upload link of disk.folder.uploadfile (`/rest/upload.json?token=…`). */
export interface DiskUploadTokensTable {
  token: string;
  folder_id: number;
  user_id: number;
  name: Def<string>;
  expires_at: number;
}

export interface Schema {
  portal: PortalTable;
  users: UsersTable;
  bots: BotsTable;
  chats: ChatsTable;
  chat_members: ChatMembersTable;
  private_dialogs: PrivateDialogsTable;
  messages: MessagesTable;
  message_reactions: MessageReactionsTable;
  commands: CommandsTable;
  command_langs: CommandLangsTable;
  command_answer_tokens: CommandAnswerTokensTable;
  chat_apps: ChatAppsTable;
  chat_app_langs: ChatAppLangsTable;
  webhooks: WebhooksTable;
  apps: AppsTable;
  oauth_tokens: OAuthTokensTable;
  event_bindings: EventBindingsTable;
  event_outbox: EventOutboxTable;
  event_attempts: EventAttemptsTable;
  event_offline: EventOfflineTable;
  event_offline_notices: EventOfflineNoticesTable;
  ui_sessions: UiSessionsTable;
  user_passwords: UserPasswordsTable;
  chat_input_actions: ChatInputActionsTable;
  v2_event_log: V2EventLogTable;
  v2_event_counter: V2EventCounterTable;
  v2_event_subscribers: V2EventSubscribersTable;
  v2_deleted_bots: V2DeletedBotsTable;
  files: FilesTable;
  file_chunks: FileChunksTable;
  notifications: NotificationsTable;
  notify_chats: NotifyChatsTable;
  open_lines: OpenLinesTable;
  open_line_sessions: OpenLineSessionsTable;
  notification_replies: NotificationRepliesTable;
  app_options: AppOptionsTable;
  user_options: UserOptionsTable;
  user_status: UserStatusTable;
  departments: DepartmentsTable;
  node_member_roles: NodeMemberRolesTable;
  node_communications: NodeCommunicationsTable;
  search_last: SearchLastTable;
  user_fields: UserFieldsTable;
  user_field_values: UserFieldValuesTable;
  user_field_enums: UserFieldEnumsTable;
  recent_flags: RecentFlagsTable;
  disk_folders: DiskFoldersTable;
  disk_upload_tokens: DiskUploadTokensTable;
}
