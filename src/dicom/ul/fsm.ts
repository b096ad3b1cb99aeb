/**
 * The DICOM Upper Layer state machine, PS3.8 9.2, as data: states (Table 9-1), events (Table 9-2),
 * actions (Tables 9-6..9-9) and the state transition table (Table 9-10). association.ts performs
 * the actions; this file only says which action a (state, event) pair triggers.
 */

export const STATES = {
  Sta1: 'Idle',
  Sta2: 'Transport connection open (awaiting A-ASSOCIATE-RQ PDU)',
  Sta3: 'Awaiting local A-ASSOCIATE response primitive',
  Sta4: 'Awaiting transport connection opening to complete',
  Sta5: 'Awaiting A-ASSOCIATE-AC or A-ASSOCIATE-RJ PDU',
  Sta6: 'Association established and ready for data transfer',
  Sta7: 'Awaiting A-RELEASE-RP PDU',
  Sta8: 'Awaiting local A-RELEASE response primitive',
  Sta9: 'Release collision requestor side; awaiting A-RELEASE response primitive',
  Sta10: 'Release collision acceptor side; awaiting A-RELEASE-RP PDU',
  Sta11: 'Release collision requestor side; awaiting A-RELEASE-RP PDU',
  Sta12: 'Release collision acceptor side; awaiting A-RELEASE response primitive',
  Sta13: 'Awaiting Transport Connection Close Indication',
} as const;
export type State = keyof typeof STATES;

export const EVENTS = {
  Evt1: 'A-ASSOCIATE request (local user)',
  Evt2: 'Transport connect confirmation (local transport service)',
  Evt3: 'A-ASSOCIATE-AC PDU (received on transport connection)',
  Evt4: 'A-ASSOCIATE-RJ PDU (received on transport connection)',
  Evt5: 'Transport connection indication (local transport service)',
  Evt6: 'A-ASSOCIATE-RQ PDU (received on transport connection)',
  Evt7: 'A-ASSOCIATE response primitive (accept)',
  Evt8: 'A-ASSOCIATE response primitive (reject)',
  Evt9: 'P-DATA request primitive',
  Evt10: 'P-DATA-TF PDU (received on transport connection)',
  Evt11: 'A-RELEASE request primitive',
  Evt12: 'A-RELEASE-RQ PDU (received on transport connection)',
  Evt13: 'A-RELEASE-RP PDU (received on transport connection)',
  Evt14: 'A-RELEASE response primitive',
  Evt15: 'A-ABORT request primitive',
  Evt16: 'A-ABORT PDU (received on transport connection)',
  Evt17: 'Transport connection closed indication (local transport service)',
  Evt18: 'ARTIM timer expired (association reject/release timer)',
  Evt19: 'Unrecognized or invalid PDU received',
} as const;
export type Event = keyof typeof EVENTS;

const ACTIONS = {
  'AE-1': 'Issue TRANSPORT CONNECT request primitive to local transport service',
  'AE-2': 'Send A-ASSOCIATE-RQ PDU',
  'AE-3': 'Issue A-ASSOCIATE confirmation (accept) primitive',
  'AE-4': 'Issue A-ASSOCIATE confirmation (reject) primitive and close transport connection',
  'AE-5': 'Issue transport connection response primitive; start ARTIM timer',
  'AE-6':
    'Stop ARTIM timer; if A-ASSOCIATE-RQ acceptable issue A-ASSOCIATE indication, else send A-ASSOCIATE-RJ and start ARTIM',
  'AE-7': 'Send A-ASSOCIATE-AC PDU',
  'AE-8': 'Send A-ASSOCIATE-RJ PDU and start ARTIM timer',
  'DT-1': 'Send P-DATA-TF PDU',
  'DT-2': 'Send P-DATA indication primitive',
  'AR-1': 'Send A-RELEASE-RQ PDU',
  'AR-2': 'Issue A-RELEASE indication primitive',
  'AR-3': 'Issue A-RELEASE confirmation primitive and close transport connection',
  'AR-4': 'Issue A-RELEASE-RP PDU and start ARTIM timer',
  'AR-5': 'Stop ARTIM timer',
  'AR-6': 'Issue P-DATA indication',
  'AR-7': 'Issue P-DATA-TF PDU',
  'AR-8': 'Issue A-RELEASE indication (release collision)',
  'AR-9': 'Send A-RELEASE-RP PDU',
  'AR-10': 'Issue A-RELEASE confirmation primitive',
  'AA-1': 'Send A-ABORT PDU and start (or restart) ARTIM timer',
  'AA-2': 'Stop ARTIM timer if running; close transport connection',
  'AA-3': 'Issue A-ABORT (or A-P-ABORT) indication and close transport connection',
  'AA-4': 'Issue A-P-ABORT indication primitive',
  'AA-5': 'Stop ARTIM timer',
  'AA-6': 'Ignore PDU',
  'AA-7': 'Send A-ABORT PDU',
  'AA-8': 'Send A-ABORT PDU (service-provider source), issue A-P-ABORT indication, start ARTIM timer',
} as const;
export type Action = keyof typeof ACTIONS;

/**
 * The states each action may lead to. Most actions have one; AE-6 and AR-8 choose between two.
 * A table test checks that association.ts never leaves this set.
 */
export const ACTION_NEXT_STATES: Record<Action, readonly State[]> = {
  'AE-1': ['Sta4'],
  'AE-2': ['Sta5'],
  'AE-3': ['Sta6'],
  'AE-4': ['Sta1'],
  'AE-5': ['Sta2'],
  'AE-6': ['Sta3', 'Sta13'],
  'AE-7': ['Sta6'],
  'AE-8': ['Sta13'],
  'DT-1': ['Sta6'],
  'DT-2': ['Sta6'],
  'AR-1': ['Sta7'],
  'AR-2': ['Sta8'],
  'AR-3': ['Sta1'],
  'AR-4': ['Sta13'],
  'AR-5': ['Sta1'],
  'AR-6': ['Sta7'],
  'AR-7': ['Sta8'],
  'AR-8': ['Sta9', 'Sta10'],
  'AR-9': ['Sta11'],
  'AR-10': ['Sta12'],
  'AA-1': ['Sta13'],
  'AA-2': ['Sta1'],
  'AA-3': ['Sta1'],
  'AA-4': ['Sta1'],
  'AA-5': ['Sta1'],
  'AA-6': ['Sta13'],
  'AA-7': ['Sta13'],
  'AA-8': ['Sta13'],
};

const S6to12 = ['Sta6', 'Sta7', 'Sta8', 'Sta9', 'Sta10', 'Sta11', 'Sta12'] as const;
const S8to12 = ['Sta8', 'Sta9', 'Sta10', 'Sta11', 'Sta12'] as const;

/** Build one row: explicit cells, plus a group of states sharing one action. */
function row(cells: Partial<Record<State, Action>>, group?: readonly State[], action?: Action) {
  const r: Partial<Record<State, Action>> = { ...cells };
  if (group && action) for (const s of group) r[s] = action;
  return r;
}

/** PS3.8 Table 9-10. A missing cell means the event cannot occur in that state. */
export const TRANSITIONS: Record<Event, Partial<Record<State, Action>>> = {
  Evt1: { Sta1: 'AE-1' },
  Evt2: { Sta4: 'AE-2' },
  Evt3: row({ Sta2: 'AA-1', Sta3: 'AA-8', Sta5: 'AE-3', Sta13: 'AA-6' }, S6to12, 'AA-8'),
  Evt4: row({ Sta2: 'AA-1', Sta3: 'AA-8', Sta5: 'AE-4', Sta13: 'AA-6' }, S6to12, 'AA-8'),
  Evt5: { Sta1: 'AE-5' },
  Evt6: row({ Sta2: 'AE-6', Sta3: 'AA-8', Sta5: 'AA-8', Sta13: 'AA-7' }, S6to12, 'AA-8'),
  Evt7: { Sta3: 'AE-7' },
  Evt8: { Sta3: 'AE-8' },
  Evt9: { Sta6: 'DT-1', Sta8: 'AR-7' },
  Evt10: row(
    { Sta2: 'AA-1', Sta3: 'AA-8', Sta5: 'AA-8', Sta6: 'DT-2', Sta7: 'AR-6', Sta13: 'AA-6' },
    S8to12,
    'AA-8',
  ),
  Evt11: { Sta6: 'AR-1' },
  Evt12: row(
    { Sta2: 'AA-1', Sta3: 'AA-8', Sta5: 'AA-8', Sta6: 'AR-2', Sta7: 'AR-8', Sta13: 'AA-6' },
    S8to12,
    'AA-8',
  ),
  Evt13: {
    Sta2: 'AA-1',
    Sta3: 'AA-8',
    Sta5: 'AA-8',
    Sta6: 'AA-8',
    Sta7: 'AR-3',
    Sta8: 'AA-8',
    Sta9: 'AA-8',
    Sta10: 'AR-10',
    Sta11: 'AR-3',
    Sta12: 'AA-8',
    Sta13: 'AA-6',
  },
  Evt14: { Sta8: 'AR-4', Sta9: 'AR-9', Sta12: 'AR-4' },
  Evt15: row({ Sta3: 'AA-1', Sta4: 'AA-2', Sta5: 'AA-1' }, S6to12, 'AA-1'),
  Evt16: row({ Sta2: 'AA-2', Sta3: 'AA-3', Sta5: 'AA-3', Sta13: 'AA-2' }, S6to12, 'AA-3'),
  Evt17: row({ Sta2: 'AA-5', Sta3: 'AA-4', Sta4: 'AA-4', Sta5: 'AA-4', Sta13: 'AR-5' }, S6to12, 'AA-4'),
  Evt18: { Sta2: 'AA-2', Sta13: 'AA-2' },
  Evt19: row({ Sta2: 'AA-1', Sta3: 'AA-8', Sta5: 'AA-8', Sta13: 'AA-7' }, S6to12, 'AA-8'),
};

/** The action for (state, event), or undefined when PS3.8 defines none. */
export function transition(state: State, event: Event): Action | undefined {
  return TRANSITIONS[event][state];
}

/** The event a received PDU raises (PS3.8 Table 9-2). */
export const PDU_EVENTS = {
  'A-ASSOCIATE-RQ': 'Evt6',
  'A-ASSOCIATE-AC': 'Evt3',
  'A-ASSOCIATE-RJ': 'Evt4',
  'P-DATA-TF': 'Evt10',
  'A-RELEASE-RQ': 'Evt12',
  'A-RELEASE-RP': 'Evt13',
  'A-ABORT': 'Evt16',
} as const satisfies Record<string, Event>;
