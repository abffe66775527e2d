// The messenger's named colours (`Bitrix\Im\Color`), shared by chat views and user cards.

/** Colour names as hex (api-reference/chat-bots/chat-bots-v2/imbot.v2/chats/chat-add.md#available-colors, `Bitrix\Im\Color`); COPILOT has no published value. */
export const CHAT_COLOR_HEX: Readonly<Record<string, string>> = {
  RED: '#df532d',
  GREEN: '#64a513',
  MINT: '#4ba984',
  LIGHT_BLUE: '#4ba5c3',
  DARK_BLUE: '#3e99ce',
  PURPLE: '#8474c8',
  AQUA: '#1eb4aa',
  PINK: '#f76187',
  LIME: '#58cc47',
  BROWN: '#ab7761',
  AZURE: '#29619b',
  KHAKI: '#728f7a',
  SAND: '#ba9c7b',
  ORANGE: '#e8a441',
  MARENGO: '#556574',
  GRAY: '#909090',
  GRAPHITE: '#5e5f5e',
};

/** The hex of a stored colour name, or undefined for '' and unknown names (never an Object.prototype key). */
export function colorHex(name: string): string | undefined {
  return Object.hasOwn(CHAT_COLOR_HEX, name) ? CHAT_COLOR_HEX[name] : undefined;
}
