/**
 * DIMSE command set vocabulary (PS3.7 Annex E, Table E.1-1; command field values PS3.7 9.3/10.3).
 * Data, not code: the command codec walks COMMAND_ELEMENTS.
 */

export type CommandVr = 'UL' | 'US' | 'UI' | 'AE' | 'LO' | 'AT';

/** Every group 0000 element a command set may carry, keyed by the name we use in code. */
export const COMMAND_ELEMENTS = {
  commandGroupLength: { tag: 0x00000000, vr: 'UL' },
  affectedSopClassUid: { tag: 0x00000002, vr: 'UI' },
  requestedSopClassUid: { tag: 0x00000003, vr: 'UI' },
  commandField: { tag: 0x00000100, vr: 'US' },
  messageId: { tag: 0x00000110, vr: 'US' },
  messageIdBeingRespondedTo: { tag: 0x00000120, vr: 'US' },
  moveDestination: { tag: 0x00000600, vr: 'AE' },
  priority: { tag: 0x00000700, vr: 'US' },
  commandDataSetType: { tag: 0x00000800, vr: 'US' },
  status: { tag: 0x00000900, vr: 'US' },
  offendingElement: { tag: 0x00000901, vr: 'AT' },
  errorComment: { tag: 0x00000902, vr: 'LO' },
  errorId: { tag: 0x00000903, vr: 'US' },
  affectedSopInstanceUid: { tag: 0x00001000, vr: 'UI' },
  requestedSopInstanceUid: { tag: 0x00001001, vr: 'UI' },
  eventTypeId: { tag: 0x00001002, vr: 'US' },
  attributeIdentifierList: { tag: 0x00001005, vr: 'AT' },
  actionTypeId: { tag: 0x00001008, vr: 'US' },
  numberOfRemainingSuboperations: { tag: 0x00001020, vr: 'US' },
  numberOfCompletedSuboperations: { tag: 0x00001021, vr: 'US' },
  numberOfFailedSuboperations: { tag: 0x00001022, vr: 'US' },
  numberOfWarningSuboperations: { tag: 0x00001023, vr: 'US' },
  moveOriginatorAeTitle: { tag: 0x00001030, vr: 'AE' },
  moveOriginatorMessageId: { tag: 0x00001031, vr: 'US' },
} as const satisfies Record<string, { tag: number; vr: CommandVr }>;

export type CommandElementName = keyof typeof COMMAND_ELEMENTS;

type ValueOf<V extends CommandVr> = V extends 'UL' | 'US' ? number : V extends 'AT' ? number[] : string;

/** A decoded command set: every known element by name, optional. */
export type CommandSet = {
  -readonly [K in Exclude<CommandElementName, 'commandGroupLength'>]?: ValueOf<
    (typeof COMMAND_ELEMENTS)[K]['vr']
  >;
} & { commandField: number; commandDataSetType: number };

/** Command Field values (PS3.7 E.1). Responses are the request value with bit 15 set. */
export const CommandField = {
  C_STORE_RQ: 0x0001,
  C_GET_RQ: 0x0010,
  C_FIND_RQ: 0x0020,
  C_MOVE_RQ: 0x0021,
  C_ECHO_RQ: 0x0030,
  N_EVENT_REPORT_RQ: 0x0100,
  N_GET_RQ: 0x0110,
  N_SET_RQ: 0x0120,
  N_ACTION_RQ: 0x0130,
  N_CREATE_RQ: 0x0140,
  N_DELETE_RQ: 0x0150,
  C_CANCEL_RQ: 0x0fff,
} as const;

export const RESPONSE_BIT = 0x8000;
/** Command Data Set Type value meaning "no data set" (PS3.7 E.1); any other value means one follows. */
export const NO_DATA_SET = 0x0101;

const REQUEST_NAMES = new Map<number, string>(
  Object.entries(CommandField).map(([k, v]) => [
    v,
    k.replace(/_RQ$/, '').replace('_', '-').replace('_', '-'),
  ]),
);

export function isResponse(commandField: number): boolean {
  return (commandField & RESPONSE_BIT) !== 0 && commandField !== CommandField.C_CANCEL_RQ;
}

/** "N-CREATE-RQ", "C-ECHO-RSP", or the hex value for anything else. */
export function commandName(commandField: number): string {
  if (commandField === CommandField.C_CANCEL_RQ) return 'C-CANCEL-RQ';
  const base = REQUEST_NAMES.get(commandField & ~RESPONSE_BIT);
  if (!base) return `0x${commandField.toString(16).padStart(4, '0')}`;
  return `${base}-${isResponse(commandField) ? 'RSP' : 'RQ'}`;
}
