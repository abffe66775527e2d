import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ATTACH_PALETTE,
  RICH_ERROR_TEXTS,
  RICH_MAX_JSON_LENGTH,
  fitsRichLimit,
  isRichRemoval,
  normalizeAttach,
  normalizeKeyboard,
  normalizeMenu,
  parseRichParam,
  richJsonLength,
  type AttachOptions,
  type KeyboardOptions,
  type MenuOptions,
} from '../src/im/rich/index.js';

type Rec = Record<string, unknown>;
const BOT = 39;
const NOW = 1_700_000_000_999; // ms; attach ID = 1_700_000_000
const ATTACH_OPTS: AttachOptions = { now: NOW, random: () => 0 };

function keyboard(input: unknown, opts: KeyboardOptions = { botId: BOT }): Rec[] {
  const r = normalizeKeyboard(input, opts);
  assert.ok(r.ok, `expected a valid keyboard, got ${JSON.stringify(r)}`);
  return r.keyboard;
}
/** The single button a one-button keyboard normalises to; null when the button was dropped. */
function button(b: Rec, opts?: KeyboardOptions): Rec | null {
  const r = normalizeKeyboard([b], opts ?? { botId: BOT });
  if (!r.ok) {
    assert.equal(r.error, 'KEYBOARD_ERROR');
    return null;
  }
  assert.equal(r.keyboard.length, 1);
  return r.keyboard[0];
}
function menu(input: unknown, opts: MenuOptions = { botId: BOT }): Rec[] {
  const r = normalizeMenu(input, opts);
  assert.ok(r.ok, `expected a valid menu, got ${JSON.stringify(r)}`);
  return r.menu;
}
function menuItem(i: Rec, opts?: MenuOptions): Rec | null {
  const r = normalizeMenu([i], opts ?? { botId: BOT });
  if (!r.ok) {
    assert.equal(r.error, 'MENU_ERROR');
    return null;
  }
  return r.menu[0];
}
function attach(input: unknown, opts: AttachOptions = ATTACH_OPTS): Rec {
  const r = normalizeAttach(input, opts);
  assert.ok(r.ok, `expected a valid attach, got ${JSON.stringify(r)}`);
  return r.attach;
}
/** The blocks a bare block list normalises to ([] when ATTACH_ERROR). */
function blocks(list: unknown[]): unknown[] {
  const r = normalizeAttach(list, ATTACH_OPTS);
  if (!r.ok) {
    assert.equal(r.error, 'ATTACH_ERROR');
    return [];
  }
  return r.attach.BLOCKS as unknown[];
}
/** Filler such that `measure(filler)` = `target` when `measure("")` is the length with an empty filler (1 char per x). */
function padTo(target: number, measure: (filler: string) => number): string {
  const base = measure('');
  return 'x'.repeat(target - base);
}

const BUTTON_DEFAULTS = {
  BOT_ID: BOT,
  TYPE: 'BUTTON',
  VOTE: 'N',
  BLOCK: 'N',
  WAIT: 'N',
  CONTEXT: 'ALL',
  DISABLED: 'N',
  DISPLAY: 'BLOCK',
  BG_COLOR_TOKEN: 'base',
};

describe('rich params: parsing, removal, size', () => {
  it('parseRichParam accepts objects, arrays and JSON text of them; anything else is invalid', () => {
    assert.deepEqual(parseRichParam({ A: 1 }), { A: 1 });
    assert.deepEqual(parseRichParam([1]), [1]);
    assert.deepEqual(parseRichParam('{"BUTTONS":[{"TEXT":"a"}]}'), { BUTTONS: [{ TEXT: 'a' }] });
    assert.deepEqual(parseRichParam('[]'), []);
    for (const bad of ['{TEXT:"a"}', '{"a":', 'N', '"text"', '5', 'null', '', 5, true, null, undefined]) {
      assert.equal(parseRichParam(bad), null, `input ${JSON.stringify(bad)}`);
    }
  });

  it('isRichRemoval: "N" or a PHP-empty value removes; anything else does not', () => {
    for (const v of ['N', '', '0', 0, null, undefined, false, [], {}]) assert.equal(isRichRemoval(v), true, JSON.stringify(v));
    for (const v of ['n', 'Y', ' ', '[]', [{}], { BUTTONS: [] }, 1]) assert.equal(isRichRemoval(v), false, JSON.stringify(v));
  });

  it('richJsonLength counts PHP JSON code points: "/" and U+2028 escaped, non-ASCII unescaped', () => {
    assert.equal(richJsonLength('ab'), 4);
    assert.equal(richJsonLength('a/b'), 6); // "a\/b"
    assert.equal(richJsonLength('дд'), 4);
    assert.equal(richJsonLength('😀'), 3);
    assert.equal(richJsonLength('\u2028'), 8);
    assert.equal(richJsonLength([{ A: 1 }]), 9);
    assert.equal(RICH_MAX_JSON_LENGTH, 60_000);
    assert.equal(fitsRichLimit('x'.repeat(59_997)), true); // 59 999 with quotes
    assert.equal(fitsRichLimit('x'.repeat(59_998)), false); // 60 000
  });

  it('exports the portal\'s error texts', () => {
    assert.deepEqual(RICH_ERROR_TEXTS, {
      ATTACH_ERROR: 'Incorrect attach params',
      ATTACH_OVERSIZE: 'You have exceeded the maximum allowable size of attach',
      KEYBOARD_ERROR: 'Incorrect keyboard params',
      KEYBOARD_OVERSIZE: 'You have exceeded the maximum allowable size of keyboard',
      MENU_ERROR: 'Incorrect menu params',
      MENU_OVERSIZE: 'You have exceeded the maximum allowable size of menu',
    });
  });
});

describe('KEYBOARD', () => {
  const LINK_BUTTON = { TEXT: 'Site', LINK: 'https://example.com/' };

  it('normalises a LINK button with every default, in the portal key order', () => {
    assert.equal(
      JSON.stringify(keyboard([LINK_BUTTON])),
      JSON.stringify([
        {
          BOT_ID: BOT, TYPE: 'BUTTON', LINK: 'https://example.com/', TEXT: 'Site', VOTE: 'N', BLOCK: 'N', WAIT: 'N',
          CONTEXT: 'ALL', DISABLED: 'N', DISPLAY: 'BLOCK', BG_COLOR_TOKEN: 'base',
        },
      ]),
    );
  });

  it('accepts the full form, the bare array, JSON text and a PHP-style keyed list', () => {
    const expected = [{ ...BUTTON_DEFAULTS, LINK: 'https://example.com/', TEXT: 'Site' }];
    assert.deepEqual(keyboard({ BUTTONS: [LINK_BUTTON] }), expected);
    assert.deepEqual(keyboard([LINK_BUTTON]), expected);
    assert.deepEqual(keyboard(JSON.stringify({ BUTTONS: [LINK_BUTTON] })), expected);
    assert.deepEqual(keyboard(JSON.stringify([LINK_BUTTON])), expected);
    assert.deepEqual(keyboard({ BUTTONS: { 0: LINK_BUTTON } }), expected);
    assert.deepEqual(keyboard({ 0: LINK_BUTTON }), expected);
  });

  it('rejects input that is not an object/array, and a keyboard with no valid button', () => {
    for (const bad of ['{oops', '"x"', 7, null, [], {}, { BUTTONS: [] }, { BUTTONS: 'x' }, ['x'], { TEXT: 'a', LINK: '/a' }]) {
      assert.deepEqual(normalizeKeyboard(bad, { botId: BOT }), { ok: false, error: 'KEYBOARD_ERROR' }, JSON.stringify(bad));
    }
  });

  it('keeps NEWLINE buttons as {TYPE:"NEWLINE"}; a keyboard of line breaks only is accepted (portal counts them)', () => {
    assert.deepEqual(keyboard([LINK_BUTTON, { TYPE: 'NEWLINE', TEXT: 'ignored' }, LINK_BUTTON]).map((b) => b.TYPE), [
      'BUTTON', 'NEWLINE', 'BUTTON',
    ]);
    assert.deepEqual(keyboard([{ TYPE: 'NEWLINE' }]), [{ TYPE: 'NEWLINE' }]);
  });

  it('silently drops invalid buttons and keeps the valid ones in order', () => {
    const out = keyboard([{ TEXT: '' , LINK: '/a' }, { TEXT: 'A', LINK: '/a' }, { LINK: '/b' }, 'junk', { TEXT: 'C', ACTION: 'PUT', ACTION_VALUE: 'c' }]);
    assert.deepEqual(out.map((b) => b.TEXT), ['A', 'C']);
  });

  it('requires TEXT as a non-blank string (PHP empty() also rejects "0") and trims it', () => {
    for (const text of [undefined, '', '   ', '\t\n', '0', 5, ['a'], null]) {
      assert.equal(button({ TEXT: text, LINK: '/a' }), null, JSON.stringify(text));
    }
    assert.equal(button({ TEXT: '  Go \n', LINK: '/a' })?.TEXT, 'Go');
    assert.equal(button({ TEXT: '\u00a0Go', LINK: '/a' })?.TEXT, '\u00a0Go'); // PHP trim keeps NBSP
  });

  it('LINK must start with "/" or http(s):// and is HTML-escaped', () => {
    for (const link of ['/path', 'http://a.b', 'https://a.b/c']) assert.equal(button({ TEXT: 't', LINK: link })?.LINK, link);
    for (const link of ['ftp://a.b', 'javascript:alert(1)', 'HTTPS://A.B', 'example.com', ' /a', '', 5]) {
      assert.equal(button({ TEXT: 't', LINK: link }), null, JSON.stringify(link));
    }
    assert.equal(button({ TEXT: 't', LINK: '/a?x=1&y="<b>"' })?.LINK, '/a?x=1&amp;y=&quot;&lt;b&gt;&quot;');
  });

  it('drops every button carrying FUNCTION (JS disabled from REST), even next to a valid LINK', () => {
    assert.equal(button({ TEXT: 't', FUNCTION: 'alert(1)' }), null);
    assert.equal(button({ TEXT: 't', FUNCTION: 'alert(1)', LINK: '/a' }), null);
    assert.notEqual(button({ TEXT: 't', FUNCTION: null, LINK: '/a' }), null);
  });

  it('APP_ID (+APP_PARAMS) buttons', () => {
    const b = button({ TEXT: 't', APP_ID: '12', APP_PARAMS: 'p=1' });
    assert.deepEqual(b, { ...BUTTON_DEFAULTS, APP_ID: 12, APP_PARAMS: 'p=1', TEXT: 't' });
    assert.equal(button({ TEXT: 't', APP_ID: 12, APP_PARAMS: '  ' })?.APP_PARAMS, undefined);
    assert.equal(button({ TEXT: 't', APP_ID: '0' }), null);
  });

  it('ACTION must be one of PUT, SEND, COPY, CALL, DIALOG, LIVECHAT, HELP with a non-blank ACTION_VALUE', () => {
    for (const action of ['PUT', 'SEND', 'COPY', 'CALL', 'DIALOG', 'LIVECHAT', 'HELP']) {
      assert.deepEqual(button({ TEXT: 't', ACTION: action, ACTION_VALUE: ' v ' }), {
        ...BUTTON_DEFAULTS, ACTION: action, ACTION_VALUE: ' v ', TEXT: 't',
      });
    }
    for (const bad of [{ ACTION: 'put', ACTION_VALUE: 'v' }, { ACTION: 'OPEN', ACTION_VALUE: 'v' }, { ACTION: 'PUT' }, { ACTION: 'PUT', ACTION_VALUE: '  ' }, { ACTION: 'PUT', ACTION_VALUE: ['v'] }]) {
      assert.equal(button({ TEXT: 't', ...bad }), null, JSON.stringify(bad));
    }
  });

  it('COMMAND strips one leading "/", defaults COMMAND_PARAMS to "", and needs a bot id', () => {
    assert.deepEqual(button({ TEXT: 't', COMMAND: '/help' }), { ...BUTTON_DEFAULTS, COMMAND: 'help', COMMAND_PARAMS: '', TEXT: 't' });
    assert.equal(button({ TEXT: 't', COMMAND: '//x' })?.COMMAND, '/x');
    assert.equal(button({ TEXT: 't', COMMAND: 'echo', COMMAND_PARAMS: 'a b' })?.COMMAND_PARAMS, 'a b');
    assert.equal(button({ TEXT: 't', COMMAND: 'echo', COMMAND_PARAMS: '   ' })?.COMMAND_PARAMS, '');
    assert.equal(button({ TEXT: 't', COMMAND: '  ' }), null);
    assert.equal(button({ TEXT: 't', COMMAND: 'help' }, {}), null);
    assert.equal(button({ TEXT: 't', COMMAND: 'help' }, { botId: 0 }), null);
  });

  it('takes exactly one action in priority LINK > APP_ID > ACTION > COMMAND, skipping invalid ones', () => {
    const all = { TEXT: 't', LINK: '/l', APP_ID: 3, ACTION: 'SEND', ACTION_VALUE: 'v', COMMAND: 'c' };
    const actionKeys = (b: Rec | null) => Object.keys(b ?? {}).filter((k) => ['LINK', 'APP_ID', 'ACTION', 'ACTION_VALUE', 'COMMAND', 'COMMAND_PARAMS'].includes(k));
    assert.deepEqual(actionKeys(button(all)), ['LINK']);
    assert.deepEqual(actionKeys(button({ ...all, LINK: 'ftp://x' })), ['APP_ID']);
    assert.deepEqual(actionKeys(button({ ...all, LINK: undefined, APP_ID: undefined })), ['ACTION', 'ACTION_VALUE']);
    assert.deepEqual(actionKeys(button({ ...all, LINK: undefined, APP_ID: 0, ACTION: 'NOPE' })), ['COMMAND', 'COMMAND_PARAMS']);
  });

  it('BOT_ID: the botId option overrides the keyboard; without it the keyboard BOT_ID is used', () => {
    const kb = { BOT_ID: 7, BUTTONS: [{ TEXT: 't', COMMAND: 'c' }] };
    assert.equal(keyboard(kb)[0].BOT_ID, BOT);
    assert.equal(keyboard(kb, {})[0].BOT_ID, 7);
    assert.equal(keyboard({ ...kb, BOT_ID: '8' }, {})[0].BOT_ID, 8);
    assert.deepEqual(keyboard([LINK_BUTTON], {})[0].BOT_ID, 0);
  });

  it('normalises BLOCK, DISABLED, CONTEXT, DISPLAY, WIDTH and BG_COLOR_TOKEN', () => {
    const b = button({ ...LINK_BUTTON, BLOCK: 'Y', DISABLED: 'Y', CONTEXT: 'MOBILE', DISPLAY: 'LINE', WIDTH: '120', BG_COLOR_TOKEN: 'alert' });
    assert.deepEqual(b, { ...BUTTON_DEFAULTS, LINK: LINK_BUTTON.LINK, TEXT: 'Site', BLOCK: 'Y', DISABLED: 'Y', CONTEXT: 'MOBILE', DISPLAY: 'LINE', WIDTH: 120, BG_COLOR_TOKEN: 'alert' });
    assert.equal(button({ ...LINK_BUTTON, CONTEXT: 'DESKTOP' })?.CONTEXT, 'DESKTOP');
    const bad = button({ ...LINK_BUTTON, BLOCK: 'y', DISABLED: true, CONTEXT: 'TV', DISPLAY: 'INLINE', WIDTH: '-5', BG_COLOR_TOKEN: 'PRIMARY' });
    assert.deepEqual(bad, { ...BUTTON_DEFAULTS, LINK: LINK_BUTTON.LINK, TEXT: 'Site' });
    for (const width of [0, 'abc', null]) assert.equal(button({ ...LINK_BUTTON, WIDTH: width })?.WIDTH, undefined);
    for (const token of ['primary', 'secondary', 'alert', 'base']) assert.equal(button({ ...LINK_BUTTON, BG_COLOR_TOKEN: token })?.BG_COLOR_TOKEN, token);
  });

  it('keeps only #RGB / #RRGGBB button colours', () => {
    const b = button({ ...LINK_BUTTON, BG_COLOR: '#abc', TEXT_COLOR: '#A1B2C3', OFF_BG_COLOR: 'red', OFF_TEXT_COLOR: '#abcd' });
    assert.equal(b?.BG_COLOR, '#abc');
    assert.equal(b?.TEXT_COLOR, '#A1B2C3');
    assert.equal('OFF_BG_COLOR' in (b ?? {}), false);
    assert.equal('OFF_TEXT_COLOR' in (b ?? {}), false);
    for (const c of ['#ggg', 'abc', '#abcdef0', '#abc ', 123]) assert.equal(button({ ...LINK_BUTTON, BG_COLOR: c })?.BG_COLOR, undefined);
  });

  it('applies keyboard COLORS to buttons lacking a valid colour of their own', () => {
    const out = keyboard({
      COLORS: { BG_COLOR: '#111', TEXT_COLOR: '#222222', OFF_BG_COLOR: '#333', OFF_TEXT_COLOR: 'bad' },
      BUTTONS: [LINK_BUTTON, { ...LINK_BUTTON, BG_COLOR: '#999', TEXT_COLOR: 'nope' }],
    });
    assert.deepEqual(out.map((b) => [b.BG_COLOR, b.TEXT_COLOR, b.OFF_BG_COLOR, b.OFF_TEXT_COLOR]), [
      ['#111', '#222222', '#333', undefined],
      ['#999', '#222222', '#333', undefined],
    ]);
  });

  it('VOTE=Y marks every button VOTE=Y; anything else gives N', () => {
    assert.deepEqual(keyboard({ VOTE: 'Y', BUTTONS: [LINK_BUTTON, LINK_BUTTON] }).map((b) => b.VOTE), ['Y', 'Y']);
    assert.deepEqual(keyboard({ VOTE: 'y', BUTTONS: [LINK_BUTTON] }).map((b) => b.VOTE), ['N']);
  });

  it('KEYBOARD_OVERSIZE at 60 000 JSON characters, not at 59 999; checkSize:false skips the check', () => {
    const sized = (length: number) => [{ TEXT: padTo(length, (f) => richJsonLength(keyboard([{ TEXT: `a${f}`, LINK: '/a' }]))) + 'a', LINK: '/a' }];
    const under = sized(59_999);
    assert.equal(richJsonLength(keyboard(under)), 59_999);
    assert.deepEqual(normalizeKeyboard(sized(60_000), { botId: BOT }), { ok: false, error: 'KEYBOARD_OVERSIZE' });
    assert.equal(richJsonLength(keyboard(sized(60_000), { botId: BOT, checkSize: false })), 60_000);
  });

  it('an oversize keyboard made only of dropped buttons is KEYBOARD_ERROR, not OVERSIZE', () => {
    assert.deepEqual(normalizeKeyboard([{ TEXT: 'x'.repeat(70_000) }], { botId: BOT }), { ok: false, error: 'KEYBOARD_ERROR' });
  });
});

describe('MENU', () => {
  it('normalises an item to {BOT_ID, action, TEXT (trimmed, HTML-escaped), CONTEXT, DISABLED}', () => {
    assert.equal(
      JSON.stringify(menu([{ TEXT: ' <b>Open</b> & go ', LINK: '/x?a=1&b=2' }])),
      JSON.stringify([{ BOT_ID: BOT, LINK: '/x?a=1&amp;b=2', TEXT: '&lt;b&gt;Open&lt;/b&gt; &amp; go', CONTEXT: 'ALL', DISABLED: 'N' }]),
    );
  });

  it('accepts {ITEMS}, the bare array and JSON text; rejects everything else with MENU_ERROR', () => {
    const item = { TEXT: 'a', LINK: '/a' };
    for (const input of [{ ITEMS: [item] }, [item], JSON.stringify({ ITEMS: [item] }), JSON.stringify([item])]) {
      assert.equal(menu(input).length, 1);
    }
    for (const bad of ['{', 'x', 3, null, [], { ITEMS: [] }, [{ TEXT: 'a' }], [{ TYPE: 'NEWLINE' }]]) {
      assert.deepEqual(normalizeMenu(bad, { botId: BOT }), { ok: false, error: 'MENU_ERROR' }, JSON.stringify(bad));
    }
  });

  it('requires a non-blank string TEXT ("0" is accepted, unlike keyboards)', () => {
    for (const text of [undefined, '', '  ', 5]) assert.equal(menuItem({ TEXT: text, LINK: '/a' }), null, JSON.stringify(text));
    assert.equal(menuItem({ TEXT: '0', LINK: '/a' })?.TEXT, '0');
  });

  it('uses the shared action priority; ACTION excludes LIVECHAT and HELP; FUNCTION items are dropped', () => {
    assert.deepEqual(menuItem({ TEXT: 't', LINK: 'ftp://x', APP_ID: '4', APP_PARAMS: 'q' }), {
      BOT_ID: BOT, APP_ID: 4, APP_PARAMS: 'q', TEXT: 't', CONTEXT: 'ALL', DISABLED: 'N',
    });
    for (const action of ['PUT', 'SEND', 'COPY', 'CALL', 'DIALOG']) {
      assert.equal(menuItem({ TEXT: 't', ACTION: action, ACTION_VALUE: 'v' })?.ACTION, action);
    }
    for (const action of ['LIVECHAT', 'HELP']) assert.equal(menuItem({ TEXT: 't', ACTION: action, ACTION_VALUE: 'v' }), null);
    assert.deepEqual(menuItem({ TEXT: 't', ACTION: 'SEND', ACTION_VALUE: '', COMMAND: '/c', COMMAND_PARAMS: 'p' }), {
      BOT_ID: BOT, COMMAND: 'c', COMMAND_PARAMS: 'p', TEXT: 't', CONTEXT: 'ALL', DISABLED: 'N',
    });
    assert.equal(menuItem({ TEXT: 't', COMMAND: 'c' }, {}), null);
    assert.equal(menuItem({ TEXT: 't', FUNCTION: 'f()', LINK: '/a' }), null);
  });

  it('BOT_ID comes from the option, else from the menu; CONTEXT and DISABLED are normalised', () => {
    assert.equal(menu({ BOT_ID: 5, ITEMS: [{ TEXT: 't', COMMAND: 'c' }] }, {})[0].BOT_ID, 5);
    assert.equal(menu({ BOT_ID: 5, ITEMS: [{ TEXT: 't', COMMAND: 'c' }] })[0].BOT_ID, BOT);
    const item = menuItem({ TEXT: 't', LINK: '/a', CONTEXT: 'DESKTOP', DISABLED: 'Y' });
    assert.deepEqual([item?.CONTEXT, item?.DISABLED], ['DESKTOP', 'Y']);
    const dflt = menuItem({ TEXT: 't', LINK: '/a', CONTEXT: 'all', DISABLED: 'yes' });
    assert.deepEqual([dflt?.CONTEXT, dflt?.DISABLED], ['ALL', 'N']);
  });

  it('MENU_OVERSIZE at 60 000 JSON characters, not at 59 999', () => {
    const sized = (length: number) => [{ TEXT: padTo(length, (f) => richJsonLength(menu([{ TEXT: `a${f}`, LINK: '/a' }]))) + 'a', LINK: '/a' }];
    assert.equal(richJsonLength(menu(sized(59_999))), 59_999);
    assert.deepEqual(normalizeMenu(sized(60_000), { botId: BOT }), { ok: false, error: 'MENU_OVERSIZE' });
    assert.equal(normalizeMenu(sized(60_000), { botId: BOT, checkSize: false }).ok, true);
  });
});

describe('ATTACH', () => {
  it('builds {ID: time(), BLOCKS, DESCRIPTION, COLOR_TOKEN}; the client ID is ignored', () => {
    assert.deepEqual(attach({ ID: 42, BLOCKS: [{ MESSAGE: 'hi' }] }), {
      ID: 1_700_000_000, BLOCKS: [{ MESSAGE: 'hi' }], DESCRIPTION: '', COLOR_TOKEN: 'base',
    });
  });

  it('accepts the full form, the bare block list and JSON text; rejects the rest with ATTACH_ERROR', () => {
    const expected = [{ MESSAGE: 'hi' }];
    for (const input of [{ BLOCKS: expected }, expected, JSON.stringify({ BLOCKS: expected }), JSON.stringify(expected)]) {
      assert.deepEqual(attach(input).BLOCKS, expected);
    }
    for (const bad of ['{', 'x', 1, null, [], { BLOCKS: [] }, { MESSAGE: 'not wrapped in a list' }, [{ UNKNOWN: 'x' }], ['MESSAGE']]) {
      assert.deepEqual(normalizeAttach(bad, ATTACH_OPTS), { ok: false, error: 'ATTACH_ERROR' }, JSON.stringify(bad));
    }
  });

  it('ignores unknown blocks next to valid ones', () => {
    assert.deepEqual(blocks([{ HTML: '<b>x</b>' }, { MESSAGE: 'a' }, { FOO: 1 }]), [{ MESSAGE: 'a' }]);
  });

  it('COLOR: absent/CHAT → no key; TRANSPARENT → transparent; hex kept; invalid → random palette colour', () => {
    const color = (c: unknown, random?: () => number) => attach({ COLOR: c, BLOCKS: [{ MESSAGE: 'x' }] }, { now: NOW, random }).COLOR;
    assert.equal('COLOR' in attach({ BLOCKS: [{ MESSAGE: 'x' }] }), false);
    assert.equal(color('CHAT'), undefined);
    assert.equal(color('TRANSPARENT'), 'transparent');
    assert.equal(color('#abc'), '#abc');
    assert.equal(color('#A0B1C2'), '#A0B1C2');
    assert.equal(color('red', () => 0), ATTACH_PALETTE[0]);
    assert.equal(color('#abcd', () => 0.9999), ATTACH_PALETTE[ATTACH_PALETTE.length - 1]);
    assert.equal(color('', () => 0.5), ATTACH_PALETTE[Math.floor(0.5 * ATTACH_PALETTE.length)]);
    assert.equal(color('transparent', () => 0), ATTACH_PALETTE[0]);
    assert.equal(ATTACH_PALETTE.length, 17);
  });

  it('COLOR_TOKEN: valid token kept, anything else base; the bare form is always base', () => {
    const token = (t: unknown) => attach({ COLOR_TOKEN: t, BLOCKS: [{ MESSAGE: 'x' }] }).COLOR_TOKEN;
    for (const t of ['primary', 'secondary', 'alert', 'base']) assert.equal(token(t), t);
    for (const t of ['PRIMARY', 'red', undefined]) assert.equal(token(t), 'base');
  });

  it('DESCRIPTION from the full form (newlines → spaces, trimmed) or from MESSAGE AS_DESCRIPTION=Y', () => {
    assert.equal(attach({ DESCRIPTION: ' a\nb\r\nc ', BLOCKS: [{ MESSAGE: 'x' }] }).DESCRIPTION, 'a b c');
    const a = attach({ DESCRIPTION: 'old', BLOCKS: [{ MESSAGE: { TEXT: ' d#BR#e ', AS_DESCRIPTION: 'Y' } }] });
    assert.deepEqual([a.DESCRIPTION, a.BLOCKS], ['d[BR]e', [{ MESSAGE: 'd[BR]e' }]]);
    assert.equal(attach([{ MESSAGE: { TEXT: 'z', AS_DESCRIPTION: 'N' } }]).DESCRIPTION, '');
  });

  it('MESSAGE: trimmed, #BR# → [BR], blank dropped, numbers stringified', () => {
    assert.deepEqual(blocks([{ MESSAGE: '  a#BR#b [b]x[/b] ' }]), [{ MESSAGE: 'a[BR]b [b]x[/b]' }]);
    assert.deepEqual(blocks([{ MESSAGE: 5 }]), [{ MESSAGE: '5' }]);
    for (const bad of ['', '  ', { AS_DESCRIPTION: 'Y' }, { TEXT: ' ' }, ['a']]) assert.deepEqual(blocks([{ MESSAGE: bad }]), [], JSON.stringify(bad));
  });

  it('LINK: object or list, each item its own block; url required unless a named internal target', () => {
    assert.deepEqual(blocks([{ LINK: { NAME: ' Deal\n42 ', LINK: '/crm/deal/42/', DESC: 'desc' } }]), [
      { LINK: [{ NAME: 'Deal 42', LINK: '/crm/deal/42/', DESC: 'desc' }] },
    ]);
    assert.deepEqual(blocks([{ LINK: [{ LINK: 'https://a' }, { LINK: 'ftp://b' }, { LINK: 'http://c' }] }]), [
      { LINK: [{ LINK: 'https://a' }] },
      { LINK: [{ LINK: 'http://c' }] },
    ]);
    assert.deepEqual(blocks([{ LINK: { NAME: 'u', USER_ID: '7' } }]), [{ LINK: [{ USER_ID: 7, NAME: 'u' }] }]);
    assert.deepEqual(blocks([{ LINK: { NAME: 'c', CHAT_ID: 9, LINK: 'javascript:x' } }]), [{ LINK: [{ CHAT_ID: 9, NAME: 'c' }] }]);
    assert.deepEqual(blocks([{ LINK: { NAME: 'n', NETWORK_ID: 'n42abc', USER_ID: 7 } }]), [{ LINK: [{ NETWORK_ID: 'n42', NAME: 'n' }] }]);
    assert.deepEqual(blocks([{ LINK: { USER_ID: 7 } }]), []);
    assert.deepEqual(blocks([{ LINK: { NAME: 'x', LINK: 'mailto:a@b' } }]), []);
  });

  it('LINK: HTML wins over PREVIEW; WIDTH/HEIGHT only with a valid PREVIEW', () => {
    const link = (extra: Rec) => (blocks([{ LINK: { LINK: '/a', ...extra } }])[0] as Rec).LINK;
    assert.deepEqual(link({ HTML: '<i>h</i>', PREVIEW: '/p.png', WIDTH: 10 }), [{ LINK: '/a', HTML: '<i>h</i>' }]);
    assert.deepEqual(link({ PREVIEW: '/p.png', WIDTH: '10', HEIGHT: 0 }), [{ LINK: '/a', PREVIEW: '/p.png', WIDTH: 10 }]);
    assert.deepEqual(link({ PREVIEW: 'p.png', WIDTH: 10 }), [{ LINK: '/a' }]);
  });

  it('RICH_LINK: DESC/HTML flattened, PREVIEW (+PREVIEW_SIZE) else EXTRA_IMAGE', () => {
    assert.deepEqual(blocks([{ RICH_LINK: { LINK: 'https://a', NAME: 'N', DESC: ' d\ne ', PREVIEW: '/p', PREVIEW_SIZE: { WIDTH: 3, HEIGHT: '4' }, EXTRA_IMAGE: '/e' } }]), [
      { RICH_LINK: [{ NAME: 'N', LINK: 'https://a', DESC: 'd e', PREVIEW: '/p', PREVIEW_SIZE: { WIDTH: 3, HEIGHT: 4 } }] },
    ]);
    assert.deepEqual(blocks([{ RICH_LINK: { LINK: '/a', PREVIEW: 'bad', EXTRA_IMAGE: '/e' } }]), [{ RICH_LINK: [{ LINK: '/a', EXTRA_IMAGE: '/e' }] }]);
    assert.deepEqual(blocks([{ RICH_LINK: { NAME: 'x' } }]), []);
  });

  it('USER: NAME required; one target in priority NETWORK_ID > USER_ID > CHAT_ID > BOT_ID > LINK', () => {
    const user = (u: Rec) => ((blocks([{ USER: u }])[0] as Rec | undefined)?.USER as Rec[] | undefined)?.[0];
    assert.deepEqual(user({ NAME: 'A\nB', NETWORK_ID: 'x1', USER_ID: 2, LINK: '/l' }), { NAME: 'A B', AVATAR_TYPE: 'USER', NETWORK_ID: 'x1' });
    assert.deepEqual(user({ NAME: 'A', USER_ID: 2, CHAT_ID: 3 }), { NAME: 'A', AVATAR_TYPE: 'USER', USER_ID: 2 });
    assert.deepEqual(user({ NAME: 'A', CHAT_ID: 3, BOT_ID: 4 }), { NAME: 'A', AVATAR_TYPE: 'CHAT', CHAT_ID: 3 });
    assert.deepEqual(user({ NAME: 'A', BOT_ID: '4', LINK: '/l' }), { NAME: 'A', AVATAR_TYPE: 'BOT', BOT_ID: 4 });
    assert.deepEqual(user({ NAME: 'A', USER_ID: 0, LINK: '/l', AVATAR: 'https://i/a.png', AVATAR_TYPE: 'CHAT' }), {
      NAME: 'A', AVATAR_TYPE: 'CHAT', LINK: '/l', AVATAR: 'https://i/a.png',
    });
    assert.deepEqual(user({ NAME: 'A', LINK: 'x:y', AVATAR: 'a.png', AVATAR_TYPE: 'GROUP' }), { NAME: 'A', AVATAR_TYPE: 'USER' });
    for (const bad of [{}, { NAME: '  ' }, { NAME: ['A'] }, { USER_ID: 1 }]) assert.equal(user(bad), undefined, JSON.stringify(bad));
    assert.equal(blocks([{ USER: [{ NAME: 'a' }, { NAME: '' }, { NAME: 'b' }] }]).length, 2);
  });

  it('GRID: DISPLAY with aliases, empty items dropped (except LINE), VALUE #BR#, typed optional fields', () => {
    assert.deepEqual(
      blocks([{ GRID: [
        { DISPLAY: 'CARD', NAME: 'a', VALUE: 'v#BR#w' },
        { DISPLAY: 'COLUMN', NAME: ' n\nm ', VALUE: '' },
        { DISPLAY: 'TABLE', VALUE: 'x', COLOR: '#123', COLOR_TOKEN: 'alert', WIDTH: '50', HEIGHT: -1, USER_ID: '3', CHAT_ID: 0, LINK: '/g' },
        { DISPLAY: 'WHATEVER', NAME: 'b' },
        { NAME: 'c', COLOR: 'blue', COLOR_TOKEN: 'pink', LINK: 'g' },
        { DISPLAY: 'LINE' },
        { DISPLAY: 'ROW', NAME: '  ', VALUE: ' ' },
        { DISPLAY: 'CARD' },
      ] }]),
      [{ GRID: [
        { DISPLAY: 'LINE', NAME: 'a', VALUE: 'v[BR]w' },
        { DISPLAY: 'ROW', NAME: 'n m', VALUE: '' },
        { DISPLAY: 'TABLE', NAME: '', VALUE: 'x', COLOR: '#123', COLOR_TOKEN: 'alert', WIDTH: 50, USER_ID: 3, LINK: '/g' },
        { DISPLAY: 'BLOCK', NAME: 'b', VALUE: '' },
        { DISPLAY: 'BLOCK', NAME: 'c', VALUE: '' },
        { DISPLAY: 'LINE', NAME: '', VALUE: '' },
      ] }],
    );
    assert.deepEqual(blocks([{ GRID: [{ DISPLAY: 'ROW' }] }]), []);
    assert.deepEqual(blocks([{ GRID: { NAME: 'single object is not a list', VALUE: 'x' } }]), []);
  });

  it('IMAGE: single object or list; LINK url required; NAME trimmed; PREVIEW url; sizes', () => {
    assert.deepEqual(blocks([{ IMAGE: { LINK: '/i.png', NAME: ' pic ', PREVIEW: 'https://p', WIDTH: 5, HEIGHT: '6' } }]), [
      { IMAGE: [{ NAME: 'pic', LINK: '/i.png', WIDTH: 5, HEIGHT: 6, PREVIEW: 'https://p' }] },
    ]);
    assert.deepEqual(blocks([{ IMAGE: [{ LINK: 'i.png' }, { LINK: 'http://i', NAME: ' ', PREVIEW: 'p' }] }]), [{ IMAGE: [{ LINK: 'http://i' }] }]);
    assert.deepEqual(blocks([{ IMAGE: [{ NAME: 'no link' }] }]), []);
  });

  it('FILE: LINK url required; NAME flattened; SIZE > 0', () => {
    assert.deepEqual(blocks([{ FILE: [{ LINK: '/f.pdf', NAME: 'a\nb.pdf', SIZE: '1024' }, { LINK: 'f' }, { LINK: '/g', SIZE: 0 }] }]), [
      { FILE: [{ LINK: '/f.pdf', NAME: 'a b.pdf', SIZE: 1024 }, { LINK: '/g' }] },
    ]);
    assert.deepEqual(blocks([{ FILE: { NAME: 'x' } }]), []);
  });

  it('DELIMITER: SIZE defaults to 200 when missing or not positive; COLOR must be hex', () => {
    assert.deepEqual(blocks([{ DELIMITER: {} }, { DELIMITER: { SIZE: '0', COLOR: 'grey' } }, { DELIMITER: { SIZE: 30, COLOR: '#c6c6c6' } }, { DELIMITER: 'x' }]), [
      { DELIMITER: { SIZE: 200 } },
      { DELIMITER: { SIZE: 200 } },
      { DELIMITER: { SIZE: 30, COLOR: '#c6c6c6' } },
      { DELIMITER: { SIZE: 200 } },
    ]);
  });

  it('a block object with several known keys uses the first in portal order (USER, LINK, RICH_LINK, MESSAGE, ...)', () => {
    assert.deepEqual(blocks([{ MESSAGE: 'm', USER: { NAME: 'u' } }]), [{ USER: [{ NAME: 'u', AVATAR_TYPE: 'USER' }] }]);
    assert.deepEqual(blocks([{ MESSAGE: 'm', USER: { NAME: '' } }]), []);
    assert.deepEqual(blocks([{ DELIMITER: {}, MESSAGE: 'm' }]), [{ MESSAGE: 'm' }]);
  });

  it('ATTACH_OVERSIZE at 60 000 JSON characters of the whole attach, not at 59 999', () => {
    const sized = (length: number) => [{ MESSAGE: 'a' + padTo(length, (f) => richJsonLength(attach([{ MESSAGE: `a${f}` }]))) }];
    assert.equal(richJsonLength(attach(sized(59_999))), 59_999);
    assert.deepEqual(normalizeAttach(sized(60_000), ATTACH_OPTS), { ok: false, error: 'ATTACH_OVERSIZE' });
    assert.equal(normalizeAttach(sized(60_000), { ...ATTACH_OPTS, checkSize: false }).ok, true);
  });
});
