/**
 * Chat avatars sent with the REST file convention (api-reference/chat-bots/outdated/chats/imbot-chat-update-avatar.md): a base64 string, or a
 * `[fileName, base64Content]` pair. The image is recognised by its signature (PNG, JPEG, GIF,
 * WEBP, BMP) and its size read from the header; it is kept as a `data:` URL in the chat row.
 */

export type AvatarCheck =
  | { ok: true; dataUrl: string }
  | { ok: false; reason: 'type' | 'size' };

/** Largest side a chat avatar may have (api-reference/chat-bots/outdated/chats/imbot-chat-update-avatar.md; the portal's behaviour; the page is silent). */
export const AVATAR_MAX_SIDE = 5000;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The bytes of a REST file parameter, or null when it is not one (or not decodable). */
export function restFileBytes(value: unknown): Buffer | null {
  let content: unknown = value;
  if (Array.isArray(value)) content = value[1];
  else if (value && typeof value === 'object') content = (value as Record<string, unknown>)['1'];
  if (typeof content !== 'string') return null;
  const compact = content.replace(/\s+/g, '');
  if (compact === '' || !BASE64.test(compact)) return null;
  const bytes = Buffer.from(compact, 'base64');
  return bytes.length ? bytes : null;
}

interface ImageInfo {
  mime: string;
  width: number;
  height: number;
}

function jpegSize(b: Buffer): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    const length = b.readUInt16BE(i + 2);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    i += 2 + length;
  }
  return null;
}

function webpSize(b: Buffer): { width: number; height: number } | null {
  const chunk = b.toString('ascii', 12, 16);
  if (chunk === 'VP8X' && b.length >= 30) return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  if (chunk === 'VP8 ' && b.length >= 30) return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = b.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return null;
}

/** The image type and size from the first bytes, or null when the bytes are not an image we know. */
export function imageInfo(b: Buffer): ImageInfo | { mime: string; width: 0; height: 0 } | null {
  const sized = (mime: string, size: { width: number; height: number } | null) => ({ mime, ...(size ?? { width: 0, height: 0 }) });
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47) return sized('image/png', { width: b.readUInt32BE(16), height: b.readUInt32BE(20) });
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return sized('image/jpeg', jpegSize(b));
  if (b.length >= 10 && b.toString('ascii', 0, 4) === 'GIF8') return sized('image/gif', { width: b.readUInt16LE(6), height: b.readUInt16LE(8) });
  if (b.length >= 16 && b.toString('ascii', 0, 4) === 'RIFF' && b.toString('ascii', 8, 12) === 'WEBP') return sized('image/webp', webpSize(b));
  if (b.length >= 26 && b.toString('ascii', 0, 2) === 'BM') return sized('image/bmp', { width: Math.abs(b.readInt32LE(18)), height: Math.abs(b.readInt32LE(22)) });
  return null;
}

/** Validates an AVATAR parameter the way `imbot.chat.updateAvatar` does: type first, then size. */
export function checkAvatar(value: unknown): AvatarCheck {
  const bytes = restFileBytes(value);
  const info = bytes && imageInfo(bytes);
  if (!bytes || !info) return { ok: false, reason: 'type' };
  const { width, height } = info;
  if (!width || !height || width > AVATAR_MAX_SIDE || height > AVATAR_MAX_SIDE) return { ok: false, reason: 'size' };
  return { ok: true, dataUrl: `data:${info.mime};base64,${bytes.toString('base64')}` };
}
