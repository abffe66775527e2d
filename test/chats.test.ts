import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPortal, type TestPortal } from './helpers/server.js';
import { assertError, assertResult, ChatWorld, E, PNG_1X1, pngHeader, sorted, type Expected, type Params, type Person } from './helpers/chats.js';

// imbot.chat.* and imbot.dialog.get (api-reference/chat-bots/outdated/chats/; the portal's behaviour where
// the pages are silent or disagree with it).

type Row = [label: string, params: Params, expected: Expected];

describe('imbot chats', () => {
  let p: TestPortal;
  let w: ChatWorld;
  let bot: number;
  let bot2: number;
  let foreign: number;
  let alice: Person;
  let bob: Person;
  let carol: Person;

  /** A chat created by the app's first bot with Alice and Bob. */
  const botChat = async (more: Params = {}): Promise<number> => w.imbotOk('imbot.chat.add', { USERS: [alice.id, bob.id], ...more });
  /** A chat created by Alice with the given members. */
  const aliceChat = async (USERS: number[], more: Params = {}): Promise<number> => w.asOk(alice, 'im.chat.add', { USERS, ...more });

  /** DIALOG_ID/CHAT_ID rows shared by every method that takes a chat (api-reference/chat-bots/outdated/chats/). */
  const chatIdRows = (valid: Params, chat: number): Row[] => [
    ['DIALOG_ID not a dialog id', { ...valid, DIALOG_ID: 'abc', CHAT_ID: chat }, E.dialogEmpty],
    ['DIALOG_ID of a person', { ...valid, DIALOG_ID: String(alice.id), CHAT_ID: chat }, E.dialogEmpty],
    ['DIALOG_ID empty', { ...valid, DIALOG_ID: '', CHAT_ID: chat }, E.dialogEmpty],
    ['DIALOG_ID_EMPTY before ACCESS_DENIED', { ...valid, DIALOG_ID: 'x', CLIENT_ID: undefined }, E.dialogEmpty],
    ['a workgroup dialog names no chat', { ...valid, DIALOG_ID: 'sg1', CHAT_ID: chat }, E.chatIdEmpty],
    ['DIALOG_ID chat0', { ...valid, DIALOG_ID: 'chat0', CHAT_ID: chat }, E.chatIdEmpty],
    ['no CHAT_ID', { ...valid, CHAT_ID: undefined }, E.chatIdEmpty],
    ['CHAT_ID 0', { ...valid, CHAT_ID: 0 }, E.chatIdEmpty],
    ['CHAT_ID "chat5"', { ...valid, CHAT_ID: `chat${chat}` }, E.chatIdEmpty],
    ['CHAT_ID_EMPTY before ACCESS_DENIED', { ...valid, CHAT_ID: -1, CLIENT_ID: undefined }, E.chatIdEmpty],
  ];
  /** The bot rows (api-reference/chat-bots/outdated/bots/imbot-register.md), with every earlier parameter valid. */
  const botRows = (valid: Params): Row[] => [
    ['no CLIENT_ID', { ...valid, CLIENT_ID: undefined }, E.noClient],
    ['an app without bots', { ...valid, CLIENT_ID: 'nobots' }, E.noBot],
    ['BOT_ID 0 is present, so it must exist', { ...valid, BOT_ID: 0 }, E.noBot],
    ['a person as BOT_ID', { ...valid, BOT_ID: alice.id }, E.noBot],
    ["another app's bot", { ...valid, BOT_ID: foreign }, E.otherApp],
  ];
  const rows = (method: string, cases: Row[]) => w.rows((params) => w.imbot(method, params), cases);

  before(async () => {
    p = await startPortal();
    w = new ChatWorld(p);
    bot = await w.bot('chatbot');
    bot2 = await w.bot('chatbot2');
    foreign = await w.bot('foreignbot', 'other');
    alice = await w.person('Alice');
    bob = await w.person('Bob');
    carol = await w.person('Carol');
  });
  after(() => p.stop());

  describe('imbot.chat.add', () => {
    it('rejects every error row in order', async () => {
      await rows('imbot.chat.add', [
        ['a nested list in USERS', { USERS: [alice.id, [1]], CLIENT_ID: undefined }, E.usersType],
        ['true in USERS', { USERS: [true] }, E.usersType],
        ['a float in USERS', { USERS: [1.5] }, E.usersType],
        ['INVALID_FORMAT inside a JSON string', { USERS: '[{"a":1}]' }, E.usersType],
        ...botRows({ USERS: [alice.id] }),
      ]);
      await w.failNextWrite('imbot.chat.add');
      assertError(await w.imbot('imbot.chat.add', { USERS: [alice.id] }), E.cantCreate);
    });

    it('creates a closed chat owned by the bot, with the valid users and its first message', async () => {
      const chat = await botChat({ USERS: [alice.id, bob.id, 0, '', '999999', String(bob.id)], TITLE: 'Team', DESCRIPTION: 'About', COLOR: 'MINT', MESSAGE: '  hello[BR]all  ' });
      assert.deepEqual(await w.members(alice, chat), sorted(bot, alice.id, bob.id));
      const d = await w.dialog(alice, `chat${chat}`);
      assert.deepEqual(
        { id: d.id, name: d.name, description: d.description, owner: d.owner, color: d.color, type: d.type, message_type: d.message_type, managers: d.manager_list, users: d.user_counter, role: d.role, dialog_id: d.dialog_id },
        { id: chat, name: 'Team', description: 'About', owner: bot, color: '#4ba984', type: 'chat', message_type: 'C', managers: [bot], users: 3, role: 'member', dialog_id: `chat${chat}` },
      );
      const h = await w.asOk(alice, 'im.dialog.messages.get', { DIALOG_ID: `chat${chat}` });
      assert.deepEqual(h.messages.map((m: any) => [m.author_id, m.text]), [[bot, 'hello\nall']]);
    });

    it('takes USERS as a JSON string, TYPE=OPEN, an auto title and BOT_ID', async () => {
      const open = await w.imbotOk('imbot.chat.add', { USERS: JSON.stringify([carol.id]), TYPE: 'OPEN', BOT_ID: bot2 });
      const d = await w.dialog(carol, `chat${open}`);
      assert.deepEqual([d.owner, d.type, d.message_type], [bot2, 'open', 'O']);
      assert.ok(d.name.length > 0, 'a title is generated');
      const closed = await w.imbotOk('imbot.chat.add', { TYPE: 'open' });
      assert.deepEqual(await w.imbotOk('imbot.chat.user.list', { CHAT_ID: closed }), [bot], 'only TYPE "OPEN" opens a chat');
    });

    it('binds ENTITY_TYPE/ENTITY_ID, found again by imbot.chat.get', async () => {
      const chat = await botChat({ ENTITY_TYPE: 'ORDER', ENTITY_ID: '13' });
      assert.deepEqual(await w.imbotOk('imbot.chat.get', { ENTITY_TYPE: 'ORDER', ENTITY_ID: '13' }), { ID: chat });
      assert.deepEqual(await w.imbotOk('imbot.chat.get', { ENTITY_TYPE: 'ORDER', ENTITY_ID: 13 }), { ID: chat });
      for (const params of [{ ENTITY_TYPE: 'ORDER', ENTITY_ID: '14' }, { ENTITY_TYPE: 'ORDER' }, {}, { ENTITY_TYPE: 'order', ENTITY_ID: '13' }]) {
        assert.equal(await w.imbotOk('imbot.chat.get', params), null, JSON.stringify(params));
      }
      const d = await w.dialog(alice, `chat${chat}`);
      assert.deepEqual([d.entity_type, d.entity_id, d.entity_link], ['ORDER', '13', { type: 'ORDER', url: '', id: '13' }]);
    });

    it('stores a valid AVATAR and ignores an invalid one', async () => {
      const withAvatar = await botChat({ AVATAR: PNG_1X1 });
      assert.equal((await w.dialog(alice, `chat${withAvatar}`)).avatar, `data:image/png;base64,${PNG_1X1}`);
      const without = await botChat({ AVATAR: 'not an image' });
      assert.equal((await w.dialog(alice, `chat${without}`)).avatar, '');
    });
  });

  describe('imbot.dialog.get and imbot.chat.get with DIALOG_ID', () => {
    it('has the documented shape (outdated/chats/fields.md)', async () => {
      const chat = await aliceChat([bob.id, bot], { TITLE: 'Shape' });
      await w.asOk(bob, 'im.message.add', { DIALOG_ID: `chat${chat}`, MESSAGE: 'unread for Alice' });
      const d = await w.asOk(alice, 'imbot.dialog.get', { DIALOG_ID: `chat${chat}` });
      assert.deepEqual(Object.keys(d).sort(), [
        'avatar', 'background_id', 'color', 'counter', 'date_create', 'description', 'dialog_id', 'disk_folder_id', 'entity_data_1',
        'entity_data_2', 'entity_data_3', 'entity_id', 'entity_link', 'entity_type', 'extranet', 'id', 'is_new', 'last_id',
        'last_message_id', 'last_message_views', 'manager_list', 'marked_id', 'message_count', 'message_type', 'mute_list', 'name',
        'owner', 'parent_chat_id', 'parent_message_id', 'permissions', 'public', 'readed_list', 'restrictions', 'role',
        'text_field_enabled', 'type', 'unread_id', 'user_counter',
      ]);
      const last = d.last_message_id;
      assert.ok(last > 0);
      assert.deepEqual(
        { ...d, date_create: typeof d.date_create, color: typeof d.color },
        {
          id: chat, parent_chat_id: 0, parent_message_id: 0, name: 'Shape', description: '', owner: alice.id, extranet: false, avatar: '',
          color: 'string', type: 'chat', counter: 1, user_counter: 3, message_count: 1, unread_id: last,
          restrictions: { avatar: true, rename: true, extend: true, call: true, mute: true, leave: true, leave_owner: true, send: true, user_list: true, path: '', path_title: '' },
          last_message_id: last, last_id: 0, marked_id: 0, disk_folder_id: 0, entity_type: '', entity_id: '', entity_data_1: '', entity_data_2: '',
          entity_data_3: '', mute_list: [], date_create: 'string', message_type: 'C', public: '', role: 'owner',
          entity_link: { type: '', url: '', id: '' }, text_field_enabled: true, background_id: null,
          permissions: { manage_users_add: 'member', manage_users_delete: 'manager', manage_ui: 'member', manage_settings: 'owner', manage_messages: 'member', can_post: 'member' },
          is_new: false,
          readed_list: [
            { user_id: bob.id, user_name: 'Bob', message_id: last, date: null }, // the author has read it
            { user_id: bot, user_name: 'Bot chatbot', message_id: 0, date: null },
          ].sort((a, b) => a.user_id - b.user_id),
          manager_list: [alice.id], last_message_views: { message_id: last, first_viewers: [], count_of_viewers: 0 }, dialog_id: `chat${chat}`,
        },
      );
      assert.match(d.date_create, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
      assert.deepEqual(await w.asOk(alice, 'imbot.chat.get', { DIALOG_ID: `chat${chat}` }), d, 'imbot.chat.get with DIALOG_ID is the same view');
    });

    it('acts as the calling person, not the bot', async () => {
      const chat = await botChat();
      assertError(await w.imbot('imbot.dialog.get', { DIALOG_ID: `chat${chat}` }), E.noDialogAccess, 'the admin is not in the bot chat');
      await w.asOk(alice, 'im.message.add', { DIALOG_ID: String(bot), MESSAGE: 'hi bot' });
      const d = await w.asOk(alice, 'imbot.dialog.get', { DIALOG_ID: String(bot) });
      assert.deepEqual([d.type, d.message_type, d.dialog_id, d.user_counter], ['private', 'P', String(bot), 2]);
    });

    it('rejects every error row in order', async () => {
      const closed = await aliceChat([bob.id]);
      for (const method of ['imbot.dialog.get', 'imbot.chat.get']) {
        const cases: Row[] = [
          ['DIALOG_ID "abc"', { DIALOG_ID: 'abc' }, E.dialogEmpty],
          ['DIALOG_ID ""', { DIALOG_ID: '' }, E.dialogEmpty],
          ['a closed chat of others', { DIALOG_ID: `chat${closed}` }, E.noDialogAccess],
          ['a chat that does not exist', { DIALOG_ID: 'chat999999' }, E.noDialogAccess],
          ['a person that does not exist', { DIALOG_ID: '999999' }, E.noDialogAccess],
          ['a workgroup (none exist)', { DIALOG_ID: 'sg1' }, E.noDialogAccess],
          ['a person never written to', { DIALOG_ID: String(carol.id) }, E.noChatAccess],
        ];
        if (method === 'imbot.dialog.get') cases.unshift(['no DIALOG_ID', {}, E.dialogEmpty]);
        await w.rows((params) => w.as(p.adminHook, method, params), cases.map(([l, pa, e]) => [`${method}: ${l}`, pa, e] as Row));
      }
    });

    it('shows an open chat to a non-member as a guest', async () => {
      const open = await aliceChat([bob.id], { TYPE: 'OPEN' });
      const d = await w.asOk(carol, 'imbot.dialog.get', { DIALOG_ID: `chat${open}` });
      assert.deepEqual([d.role, d.counter, d.type], ['guest', 0, 'open']);
    });
  });

  describe('imbot.chat.setOwner', () => {
    it('rejects every error row in order', async () => {
      const chat = await botChat();
      const aliceOwned = await aliceChat([bot, bob.id]);
      await rows('imbot.chat.setOwner', [
        ...chatIdRows({ USER_ID: alice.id }, chat),
        ['no USER_ID', { CHAT_ID: chat }, E.userIdEmpty],
        ['USER_ID_EMPTY before ACCESS_DENIED', { CHAT_ID: chat, USER_ID: 'x', CLIENT_ID: undefined }, E.userIdEmpty],
        ...botRows({ CHAT_ID: chat, USER_ID: alice.id }),
        ['the bot is not the owner', { CHAT_ID: aliceOwned, USER_ID: bob.id }, E.ownerNotChanged],
        ['the new owner is not a member', { CHAT_ID: chat, USER_ID: carol.id }, E.ownerNotChanged],
        ['a chat that does not exist', { CHAT_ID: 999999, USER_ID: alice.id }, E.ownerNotChanged],
        ['a bot of the app that is not in the chat', { CHAT_ID: chat, USER_ID: alice.id, BOT_ID: bot2 }, E.ownerNotChanged],
      ]);
      assert.equal((await w.dialog(alice, `chat${chat}`)).owner, bot, 'nothing changed');
    });

    it('hands the chat over; the old owner loses the right', async () => {
      const chat = await botChat();
      assert.equal(await w.imbotOk('imbot.chat.setOwner', { DIALOG_ID: `chat${chat}`, USER_ID: alice.id }), true);
      const d = await w.dialog(alice, `chat${chat}`);
      assert.deepEqual([d.owner, d.manager_list, d.role], [alice.id, [alice.id], 'owner']);
      assertError(await w.imbot('imbot.chat.setOwner', { CHAT_ID: chat, USER_ID: bob.id }), E.ownerNotChanged);
    });

    it('answers true when the owner names itself', async () => {
      const chat = await botChat();
      assert.equal(await w.imbotOk('imbot.chat.setOwner', { CHAT_ID: chat, USER_ID: bot }), true);
      assert.equal((await w.dialog(alice, `chat${chat}`)).owner, bot);
    });
  });

  describe('imbot.chat.setManager', () => {
    it('rejects every error row in order', async () => {
      const chat = await botChat();
      const aliceOwned = await aliceChat([bot, bob.id]);
      await rows('imbot.chat.setManager', [
        ...chatIdRows({ USER_ID: alice.id }, chat),
        ['no USER_ID', { CHAT_ID: chat }, E.userIdEmpty],
        ['USER_ID_EMPTY before ACCESS_DENIED', { CHAT_ID: chat, USER_ID: 0, CLIENT_ID: undefined }, E.userIdEmpty],
        ...botRows({ CHAT_ID: chat, USER_ID: alice.id }),
        ['the bot is not the owner', { CHAT_ID: aliceOwned, USER_ID: bob.id }, E.managerNotChanged],
        ['the user is not a member', { CHAT_ID: chat, USER_ID: carol.id }, E.managerNotChanged],
        ['a chat that does not exist', { CHAT_ID: 999999, USER_ID: alice.id }, E.managerNotChanged],
      ]);
    });

    it('grants (IS_MANAGER absent, "Y", anything but "N") and revokes ("N")', async () => {
      const chat = await botChat();
      const managers = async () => (await w.dialog(alice, `chat${chat}`)).manager_list;
      assert.equal(await w.imbotOk('imbot.chat.setManager', { CHAT_ID: chat, USER_ID: alice.id }), true);
      assert.deepEqual(await managers(), sorted(bot, alice.id));
      await w.imbotOk('imbot.chat.setManager', { CHAT_ID: chat, USER_ID: bob.id, IS_MANAGER: 'n' });
      assert.deepEqual(await managers(), sorted(bot, alice.id, bob.id), 'only an exact "N" revokes');
      await w.imbotOk('imbot.chat.setManager', { CHAT_ID: chat, USER_ID: alice.id, IS_MANAGER: 'N' });
      assert.deepEqual(await managers(), sorted(bot, bob.id));
      assert.equal((await w.dialog(bob, `chat${chat}`)).role, 'manager');
    });
  });

  describe('imbot.chat.updateColor', () => {
    it('rejects every error row in order', async () => {
      const chat = await botChat({ COLOR: 'RED' });
      const others = await aliceChat([bob.id]);
      await rows('imbot.chat.updateColor', [
        ...chatIdRows({ COLOR: 'AQUA' }, chat),
        ['no COLOR', { CHAT_ID: chat }, E.wrongColor],
        ['lower case', { CHAT_ID: chat, COLOR: 'aqua' }, E.wrongColor],
        ['ORANGE is not a safe colour', { CHAT_ID: chat, COLOR: 'ORANGE' }, E.wrongColor],
        ['WRONG_COLOR before ACCESS_DENIED', { CHAT_ID: chat, COLOR: 'BLACK', CLIENT_ID: undefined }, E.wrongColor],
        ...botRows({ CHAT_ID: chat, COLOR: 'AQUA' }),
        ['the colour it already has', { CHAT_ID: chat, COLOR: 'RED' }, E.colorNotSet],
        ['a chat the bot is not in', { CHAT_ID: others, COLOR: 'AQUA' }, E.colorNotSet],
        ['a chat that does not exist', { CHAT_ID: 999999, COLOR: 'AQUA' }, E.colorNotSet],
      ]);
      assert.equal((await w.dialog(alice, `chat${chat}`)).color, '#df532d');
    });

    it('changes the colour', async () => {
      const chat = await botChat({ COLOR: 'RED' });
      assert.equal(await w.imbotOk('imbot.chat.updateColor', { DIALOG_ID: `CHAT${chat}`, COLOR: 'AZURE' }), true);
      assert.equal((await w.dialog(alice, `chat${chat}`)).color, '#29619b');
    });
  });

  describe('imbot.chat.updateTitle', () => {
    it('rejects every error row in order', async () => {
      const chat = await botChat();
      const sonet = await botChat({ ENTITY_TYPE: 'SONET_GROUP', ENTITY_ID: '5' });
      await rows('imbot.chat.updateTitle', [
        ...chatIdRows({ TITLE: 'x' }, chat),
        ['no TITLE', { CHAT_ID: chat }, E.titleEmpty],
        ['blank TITLE', { CHAT_ID: chat, TITLE: ' \n\t ' }, E.titleEmpty],
        ['"0" is empty in PHP', { CHAT_ID: chat, TITLE: '0' }, E.titleEmpty],
        ['TITLE_EMPTY before ACCESS_DENIED', { CHAT_ID: chat, CLIENT_ID: undefined }, E.titleEmpty],
        ...botRows({ CHAT_ID: chat, TITLE: 'x' }),
        ['a workgroup chat cannot be renamed', { CHAT_ID: sonet, TITLE: 'x' }, E.cantRename],
      ]);
    });

    it('renames (trimmed); a refused rename still answers true', async () => {
      const chat = await botChat({ TITLE: 'Old' });
      assert.equal(await w.imbotOk('imbot.chat.updateTitle', { CHAT_ID: chat, TITLE: '  New title \n' }), true);
      assert.equal((await w.dialog(alice, `chat${chat}`)).name, 'New title');
      const others = await aliceChat([bob.id], { TITLE: 'Theirs' });
      assert.equal(await w.imbotOk('imbot.chat.updateTitle', { CHAT_ID: others, TITLE: 'Hijacked' }), true);
      assert.equal((await w.dialog(alice, `chat${others}`)).name, 'Theirs');
      assert.equal(await w.imbotOk('imbot.chat.updateTitle', { CHAT_ID: 999999, TITLE: 'Nowhere' }), true);
    });
  });

  describe('imbot.chat.updateAvatar', () => {
    it('rejects every error row in order', async () => {
      const chat = await botChat();
      const others = await aliceChat([bob.id]);
      const sonet = await botChat({ ENTITY_TYPE: 'SONET_GROUP', ENTITY_ID: '6' });
      await rows('imbot.chat.updateAvatar', [
        ...chatIdRows({ AVATAR: PNG_1X1 }, chat),
        ...botRows({ CHAT_ID: chat, AVATAR: PNG_1X1 }),
        ['a chat the bot is not in', { CHAT_ID: others, AVATAR: PNG_1X1 }, E.avatarDenied],
        ['a workgroup chat keeps its avatar', { CHAT_ID: sonet, AVATAR: PNG_1X1 }, E.cantAvatar],
        ['no AVATAR', { CHAT_ID: chat }, E.avatarType],
        ['not base64', { CHAT_ID: chat, AVATAR: 'not base64 at all!' }, E.avatarType],
        ['base64 of text', { CHAT_ID: chat, AVATAR: Buffer.from('hello, world').toString('base64') }, E.avatarType],
        ['wider than 5000', { CHAT_ID: chat, AVATAR: pngHeader(5001, 10) }, E.avatarSize],
        ['taller than 5000', { CHAT_ID: chat, AVATAR: ['big.png', pngHeader(10, 5001)] }, E.avatarSize],
        ['zero width', { CHAT_ID: chat, AVATAR: pngHeader(0, 10) }, E.avatarSize],
        ['a chat that does not exist', { CHAT_ID: 999999, AVATAR: PNG_1X1 }, E.avatarNoChat],
      ]);
      assert.equal((await w.dialog(alice, `chat${chat}`)).avatar, '');
    });

    it('stores the image, as base64 or as [name, base64]', async () => {
      const chat = await botChat();
      assert.equal(await w.imbotOk('imbot.chat.updateAvatar', { CHAT_ID: chat, AVATAR: pngHeader(5000, 5000) }), true);
      assert.equal((await w.dialog(alice, `chat${chat}`)).avatar, `data:image/png;base64,${pngHeader(5000, 5000)}`);
      assert.equal(await w.imbotOk('imbot.chat.updateAvatar', { CHAT_ID: chat, AVATAR: ['a.png', PNG_1X1] }), true);
      assert.equal((await w.dialog(alice, `chat${chat}`)).avatar, `data:image/png;base64,${PNG_1X1}`);
    });
  });

  describe('imbot.chat.user.add', () => {
    it('rejects every error row in order', async () => {
      const chat = await botChat();
      const others = await aliceChat([bob.id]);
      const sonet = await botChat({ ENTITY_TYPE: 'SONET_GROUP', ENTITY_ID: '7' });
      await rows('imbot.chat.user.add', [
        ...chatIdRows({ USERS: [carol.id] }, chat),
        ['a workgroup chat takes no one (before ACCESS_DENIED)', { CHAT_ID: sonet, USERS: [carol.id], CLIENT_ID: undefined }, E.cantAdd],
        ...botRows({ CHAT_ID: chat, USERS: [carol.id] }),
        ['a chat the bot is not in', { CHAT_ID: others, USERS: [carol.id] }, E.notAdded],
        ['a chat that does not exist', { CHAT_ID: 999999, USERS: [carol.id] }, E.notAdded],
      ]);
      assert.deepEqual(await w.members(alice, others), sorted(alice.id, bob.id));
    });

    it('adds people and bots; members, unknown ids and a single id are fine', async () => {
      const chat = await w.imbotOk('imbot.chat.add', {});
      assert.equal(await w.imbotOk('imbot.chat.user.add', { CHAT_ID: chat, USERS: [alice.id, bot2, 999999, bot] }), true);
      assert.equal(await w.imbotOk('imbot.chat.user.add', { DIALOG_ID: `chat${chat}`, USERS: carol.id, HIDE_HISTORY: 'Y' }), true);
      assert.equal(await w.imbotOk('imbot.chat.user.add', { CHAT_ID: chat, USERS: [carol.id] }), true, 'already a member');
      assert.deepEqual(await w.members(alice, chat), sorted(bot, bot2, alice.id, carol.id));
      // the added bot is a member: it may post there
      assert.ok(await w.imbotOk('imbot.message.add', { BOT_ID: bot2, DIALOG_ID: `chat${chat}`, MESSAGE: 'bot2 here' }));
      assert.deepEqual(await w.texts(carol, `chat${chat}`), ['bot2 here']);
    });
  });

  describe('imbot.chat.user.delete and imbot.chat.leave', () => {
    it('rejects every error row in order', async () => {
      const chat = await botChat();
      const others = await aliceChat([bob.id, bot2]);
      const sonet = await botChat({ ENTITY_TYPE: 'SONET_GROUP', ENTITY_ID: '8' });
      await rows('imbot.chat.user.delete', [
        ...chatIdRows({ USER_ID: bob.id }, chat),
        ['nobody leaves a workgroup chat (before ACCESS_DENIED)', { CHAT_ID: sonet, USER_ID: bob.id, CLIENT_ID: undefined }, E.cantDelete],
        ...botRows({ CHAT_ID: chat, USER_ID: bob.id }),
        ['no USER_ID (after the bot checks)', { CHAT_ID: chat }, E.userIdEmpty],
        ['the owner bot removing itself', { CHAT_ID: chat, USER_ID: bot }, E.ownerLeave],
        ['someone not in the chat', { CHAT_ID: chat, USER_ID: carol.id }, E.notDeleted],
        ['a chat the bot is not in', { CHAT_ID: others, USER_ID: bob.id, BOT_ID: bot }, E.notDeleted],
        ['a member that is not the owner removing others', { CHAT_ID: others, USER_ID: bob.id, BOT_ID: bot2 }, E.notDeleted],
        ['a member removing the owner', { CHAT_ID: others, USER_ID: alice.id, BOT_ID: bot2 }, E.notDeleted],
        ['a chat that does not exist', { CHAT_ID: 999999, USER_ID: bob.id }, E.notDeleted],
      ]);
      await rows('imbot.chat.leave', [
        ...chatIdRows({}, chat),
        ['nobody leaves a workgroup chat', { CHAT_ID: sonet }, E.cantDelete],
        ...botRows({ CHAT_ID: chat }),
        ['the owner cannot leave without handing over', { CHAT_ID: chat }, E.ownerLeave],
        ['a chat the bot is not in', { CHAT_ID: others }, E.notDeleted],
      ]);
      assert.deepEqual(await w.members(alice, chat), sorted(bot, alice.id, bob.id));
      assert.deepEqual(await w.members(alice, others), sorted(alice.id, bob.id, bot2));
    });

    it('the owner bot removes people; a bot leaves after handing the chat over', async () => {
      const chat = await botChat();
      assert.equal(await w.imbotOk('imbot.chat.user.delete', { CHAT_ID: chat, USER_ID: bob.id }), true);
      assert.deepEqual(await w.members(alice, chat), sorted(bot, alice.id));
      assertError(await w.as(bob, 'im.dialog.get', { DIALOG_ID: `chat${chat}` }), E.noDialogAccess);

      await w.imbotOk('imbot.chat.setOwner', { CHAT_ID: chat, USER_ID: alice.id });
      assert.equal(await w.imbotOk('imbot.chat.leave', { DIALOG_ID: `chat${chat}` }), true);
      assert.deepEqual(await w.members(alice, chat), [alice.id]);
      assert.deepEqual(await w.imbotOk('imbot.chat.user.list', { CHAT_ID: chat }), [], 'the bot no longer sees the members');
      assertError(await w.imbot('imbot.message.add', { DIALOG_ID: `chat${chat}`, MESSAGE: 'still here?' }), E.messageNotAdded);
    });

    it('leave with USER_ID removes that user instead', async () => {
      const chat = await botChat();
      assert.equal(await w.imbotOk('imbot.chat.leave', { CHAT_ID: chat, USER_ID: alice.id }), true);
      assert.deepEqual(await w.members(bob, chat), sorted(bot, bob.id));
    });
  });

  describe('imbot.chat.user.list', () => {
    it('rejects every error row in order', async () => {
      const chat = await botChat();
      await rows('imbot.chat.user.list', [...chatIdRows({}, chat), ...botRows({ CHAT_ID: chat })]);
    });

    it('lists the members the bot may see; [] otherwise', async () => {
      const chat = await botChat();
      assert.deepEqual(await w.imbotOk('imbot.chat.user.list', { CHAT_ID: chat }), sorted(bot, alice.id, bob.id));
      assert.deepEqual(await w.imbotOk('imbot.chat.user.list', { DIALOG_ID: `chat${chat}`, BOT_ID: bot2 }), [], 'a closed chat of others');
      assert.deepEqual(await w.imbotOk('imbot.chat.user.list', { CHAT_ID: 999999 }), []);
      const open = await aliceChat([bob.id], { TYPE: 'OPEN' });
      assert.deepEqual(await w.imbotOk('imbot.chat.user.list', { CHAT_ID: open }), sorted(alice.id, bob.id), 'an open chat is visible');
    });
  });

  describe('imbot.chat.updateTextFieldEnabled (undocumented)', () => {
    it('rejects every error row in order', async () => {
      const chat = await botChat();
      const others = await aliceChat([bob.id]);
      await rows('imbot.chat.updateTextFieldEnabled', [
        ...chatIdRows({ TEXT_FIELD_ENABLED: 'N' }, chat),
        ['no TEXT_FIELD_ENABLED', { CHAT_ID: chat }, E.textFieldEmpty],
        ['TEXT_FIELD_ENABLED_EMPTY before ACCESS_DENIED', { CHAT_ID: chat, TEXT_FIELD_ENABLED: '', CLIENT_ID: undefined }, E.textFieldEmpty],
        ...botRows({ CHAT_ID: chat, TEXT_FIELD_ENABLED: 'N' }),
        ['a chat the bot is not in', { CHAT_ID: others, TEXT_FIELD_ENABLED: 'N' }, E.textFieldNoAccess],
        ['a chat that does not exist', { CHAT_ID: 999999, TEXT_FIELD_ENABLED: 'N' }, E.textFieldNoAccess],
      ]);
    });

    it('"N" hides the text field, anything else shows it', async () => {
      const chat = await botChat();
      const enabled = async () => (await w.dialog(alice, `chat${chat}`)).text_field_enabled;
      assert.equal(await w.imbotOk('imbot.chat.updateTextFieldEnabled', { CHAT_ID: chat, TEXT_FIELD_ENABLED: 'N' }), true);
      assert.equal(await enabled(), false);
      await w.imbotOk('imbot.chat.updateTextFieldEnabled', { DIALOG_ID: `chat${chat}`, TEXT_FIELD_ENABLED: 'no' });
      assert.equal(await enabled(), true);
    });
  });

  describe('imbot.unregister and group chats', () => {
    it('the bot leaves the chats it created; chats, people and its messages stay', async () => {
      const gone = await w.bot('leaving-bot', 'leaving-app');
      const chat = assertResult(await w.as(p.adminHook, 'imbot.chat.add', { CLIENT_ID: 'leaving-app', USERS: [alice.id, bob.id], MESSAGE: 'welcome' }));
      assert.equal(assertResult(await w.as(p.adminHook, 'imbot.unregister', { CLIENT_ID: 'leaving-app', BOT_ID: gone })), true);
      assert.deepEqual(await w.members(alice, chat), sorted(alice.id, bob.id));
      assert.deepEqual(await w.texts(bob, `chat${chat}`), ['welcome']);
      const d = await w.dialog(alice, `chat${chat}`);
      assert.deepEqual([d.id, d.user_counter], [chat, 2]);
    });
  });
});
