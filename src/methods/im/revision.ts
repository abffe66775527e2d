import type { MethodSpec } from '../../rest/registry.js';
import { V2_REVISION } from '../imbotv2/bots.js';

/**
 * im.revision.get (api-reference/chats/im-revision-get.md): the IM module's API revisions, the
 * same numbers imbot.v2.Revision.get answers, plus `im_revision_mobile` (a copy of `mobile`).
 */
export const revisionMethods: MethodSpec[] = [
  { name: 'im.revision.get', scope: 'im', handler: () => ({ ...V2_REVISION, im_revision_mobile: V2_REVISION.mobile }) },
];
