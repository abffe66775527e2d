import { currentSessid } from './api.js';

/** A change hint from the server: re-read that chat through im.* (the hint carries no content). */
export interface ChatChange {
  chatId: number;
  kind: 'message' | 'chat' | 'typing' | 'read' | 'notify';
  userId: number | null;
}

/**
 * The push channel (server-sent events on /__web/push). EventSource reconnects by itself; on
 * every (re)connect `onReady` runs, so whatever happened while it was away is read again.
 */
export function subscribe(onChange: (c: ChatChange) => void, onReady: () => void): () => void {
  const source = new EventSource(`/__web/push?sessid=${encodeURIComponent(currentSessid())}`);
  source.addEventListener('ready', () => onReady());
  source.addEventListener('change', (e) => {
    try {
      onChange(JSON.parse((e as MessageEvent).data));
    } catch {
      /* a malformed frame is ignored */
    }
  });
  return () => source.close();
}
