import { fullName, type UserRow } from '../im/users.js';

/** data.USER (api-reference/chat-bots/events: ONIMBOTMESSAGEADD, ONIMBOTJOINCHAT); `full` adds the IS_* flags message events carry. */
export function eventUserCard(u: UserRow, full: boolean): Record<string, string | number> {
  const card: Record<string, string | number> = {
    ID: u.id,
    NAME: fullName(u),
    FIRST_NAME: u.name,
    LAST_NAME: u.last_name,
    WORK_POSITION: u.work_position,
    GENDER: u.personal_gender === 'F' ? 'F' : 'M',
  };
  if (!full) return card;
  return {
    ...card,
    IS_BOT: u.external_auth_id === 'bot' ? 'Y' : 'N',
    IS_CONNECTOR: 'N',
    IS_NETWORK: 'N',
    IS_EXTRANET: u.user_type === 'extranet' ? 'Y' : 'N',
  };
}

