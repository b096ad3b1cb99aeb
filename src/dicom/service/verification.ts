/** Verification SOP Class (PS3.4 Annex A): C-ECHO answers Success. */
import { CommandField } from '../dimse/command-fields.js';
import { Uid } from '../uids.js';
import type { Service } from './service.js';

export const verificationService: Service = {
  name: 'verification',
  abstractSyntaxes: { [Uid.Verification]: [Uid.Verification] },
  routes: [
    {
      sopClasses: [Uid.Verification],
      command: CommandField.C_ECHO_RQ,
      handler: () => ({ status: 'Success' }),
    },
  ],
};
