import { MethodRegistry } from '../rest/registry.js';
import { batchMethods } from '../rest/batch.js';
import { commonMethods } from './common/index.js';
import { imChatMethods } from './im/chats.js';
import { imMessageMethods } from './im/messages.js';
import { peopleMethods } from './im/people.js';
import { dialogMarkMethods } from './im/dialog-marks.js';
import { dialogListMethods } from './im/dialog-lists.js';
import { shareMethods } from './im/share.js';
import { diskMethods } from './im/disk.js';
import { notifyMethods } from './im/notify.js';
import { revisionMethods } from './im/revision.js';
import { settingsMethods } from './common/settings.js';
import { userRightsMethods } from './common/users.js';
import { userStatusMethods } from './im/user-status.js';
import { departmentMethods } from './common/departments.js';
import { humanresourcesMethods } from './common/humanresources.js';
import { imDepartmentMethods } from './im/departments.js';
import { searchMethods } from './im/search.js';
import { accountMethods } from './common/accounts.js';
import { userFieldMethods } from './common/user-fields.js';
import { botMethods } from './imbot/bots.js';
import { imbotMessageMethods } from './imbot/messages.js';
import { imbotChatMethods } from './imbot/chats.js';
import { commandMethods } from './imbot/commands.js';
import { appMethods } from './imbot/apps.js';
import { v2Methods } from './imbotv2/index.js';
import { openLinesBotMethods } from './imopenlines/bot-session.js';

/** Every REST method this server answers. */
export function buildRegistry(): MethodRegistry {
  const registry = new MethodRegistry();
  registry.add(...commonMethods, ...batchMethods, ...botMethods, ...imbotMessageMethods, ...imMessageMethods, ...peopleMethods, ...dialogMarkMethods, ...dialogListMethods, ...shareMethods, ...diskMethods, ...notifyMethods, ...revisionMethods, ...settingsMethods, ...userRightsMethods, ...userStatusMethods, ...departmentMethods, ...humanresourcesMethods, ...imDepartmentMethods, ...searchMethods, ...accountMethods, ...userFieldMethods, ...imChatMethods, ...commandMethods, ...imbotChatMethods, ...appMethods, ...v2Methods, ...openLinesBotMethods);
  return registry;
}
