/** Builders for the PDUs and commands tests send, so each test states only what differs. */
import { encodeCommand } from '../../src/dicom/dimse/command-codec.js';
import { CommandField, type CommandSet, NO_DATA_SET } from '../../src/dicom/dimse/command-fields.js';
import { Uid } from '../../src/dicom/uids.js';
import {
  type AssociateRq,
  emptyUserInfo,
  type PDataTf,
  type PresentationContextRq,
  type UserInformation,
} from '../../src/dicom/ul/pdu.js';

export function associateRq(
  o: {
    called?: string;
    calling?: string;
    contexts?: PresentationContextRq[];
    maxLength?: number;
    userInfo?: Partial<UserInformation>;
    applicationContext?: string;
    protocolVersion?: number;
  } = {},
): AssociateRq {
  return {
    type: 'A-ASSOCIATE-RQ',
    protocolVersion: o.protocolVersion ?? 1,
    calledAeTitle: o.called ?? 'LIGHTBOX',
    callingAeTitle: o.calling ?? 'TESTSCU',
    applicationContext: o.applicationContext ?? Uid.ApplicationContext,
    presentationContexts: o.contexts ?? [
      { id: 1, abstractSyntax: Uid.Verification, transferSyntaxes: [Uid.ImplicitVrLittleEndian] },
    ],
    userInfo: {
      ...emptyUserInfo(),
      maxLength: o.maxLength ?? 16384,
      implementationClassUid: '1.2.3.4.5.6',
      implementationVersionName: 'TEST_SCU',
      ...o.userInfo,
    },
  };
}

export function echoCommand(messageId: number, extra: Partial<CommandSet> = {}): CommandSet {
  return {
    affectedSopClassUid: Uid.Verification,
    commandField: CommandField.C_ECHO_RQ,
    messageId,
    commandDataSetType: NO_DATA_SET,
    ...extra,
  };
}

/** A whole command in one P-DATA-TF PDU (one last command fragment). */
export function commandPData(contextId: number, cmd: CommandSet): PDataTf {
  return {
    type: 'P-DATA-TF',
    pdvs: [{ contextId, isCommand: true, isLast: true, data: encodeCommand(cmd) }],
  };
}
