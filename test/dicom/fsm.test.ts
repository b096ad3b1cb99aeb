/**
 * The PS3.8 state machine, cell by cell. EXPECTED is PS3.8 Table 9-10 transcribed as a grid, kept
 * independent of the table in src/dicom/ul/fsm.ts; then every defined cell is driven through a
 * real Association engine and the action and next state are checked.
 */
import { describe, expect, it } from 'vitest';
import { Uid } from '../../src/dicom/uids.js';
import { buildAccept } from '../../src/dicom/ul/acceptance.js';
import { Association } from '../../src/dicom/ul/association.js';
import {
  ACTION_NEXT_STATES,
  type Action,
  EVENTS,
  type Event,
  STATES,
  type State,
  TRANSITIONS,
} from '../../src/dicom/ul/fsm.js';
import { encodePdu } from '../../src/dicom/ul/pdu-codec.js';
import { associateRq, commandPData, echoCommand } from '../support/pdus.js';

// Columns Sta1..Sta13; '-' = no action defined (PS3.8 Table 9-10).
const EXPECTED = `
Evt1  AE-1 -    -    -    -    -    -    -    -    -     -    -    -
Evt2  -    -    -    AE-2 -    -    -    -    -    -     -    -    -
Evt3  -    AA-1 AA-8 -    AE-3 AA-8 AA-8 AA-8 AA-8 AA-8  AA-8 AA-8 AA-6
Evt4  -    AA-1 AA-8 -    AE-4 AA-8 AA-8 AA-8 AA-8 AA-8  AA-8 AA-8 AA-6
Evt5  AE-5 -    -    -    -    -    -    -    -    -     -    -    -
Evt6  -    AE-6 AA-8 -    AA-8 AA-8 AA-8 AA-8 AA-8 AA-8  AA-8 AA-8 AA-7
Evt7  -    -    AE-7 -    -    -    -    -    -    -     -    -    -
Evt8  -    -    AE-8 -    -    -    -    -    -    -     -    -    -
Evt9  -    -    -    -    -    DT-1 -    AR-7 -    -     -    -    -
Evt10 -    AA-1 AA-8 -    AA-8 DT-2 AR-6 AA-8 AA-8 AA-8  AA-8 AA-8 AA-6
Evt11 -    -    -    -    -    AR-1 -    -    -    -     -    -    -
Evt12 -    AA-1 AA-8 -    AA-8 AR-2 AR-8 AA-8 AA-8 AA-8  AA-8 AA-8 AA-6
Evt13 -    AA-1 AA-8 -    AA-8 AA-8 AR-3 AA-8 AA-8 AR-10 AR-3 AA-8 AA-6
Evt14 -    -    -    -    -    -    -    AR-4 AR-9 -     -    AR-4 -
Evt15 -    -    AA-1 AA-2 AA-1 AA-1 AA-1 AA-1 AA-1 AA-1  AA-1 AA-1 -
Evt16 -    AA-2 AA-3 -    AA-3 AA-3 AA-3 AA-3 AA-3 AA-3  AA-3 AA-3 AA-2
Evt17 -    AA-5 AA-4 AA-4 AA-4 AA-4 AA-4 AA-4 AA-4 AA-4  AA-4 AA-4 AR-5
Evt18 -    AA-2 -    -    -    -    -    -    -    -     -    -    AA-2
Evt19 -    AA-1 AA-8 -    AA-8 AA-8 AA-8 AA-8 AA-8 AA-8  AA-8 AA-8 AA-7
`;

const STATE_LIST = Object.keys(STATES) as State[];
const grid = new Map<string, Action>();
for (const line of EXPECTED.trim().split('\n')) {
  const [event, ...cells] = line.trim().split(/\s+/);
  cells.forEach((c, i) => {
    if (c !== '-') grid.set(`${event}|${STATE_LIST[i]}`, c as Action);
  });
}

const limits = { maxPDataLength: 65536, maxAssociateLength: 65536 };
const rq = associateRq();
const printer = {
  aeTitle: 'LIGHTBOX',
  abstractSyntaxes: new Set([Uid.Verification]),
  transferSyntaxes: [Uid.ImplicitVrLittleEndian],
};
const settings = {
  findPrinter: () => printer,
  atCapacity: () => false,
  maxPduLength: 65536,
  implementationClassUid: '1.2.3',
  implementationVersionName: 'T',
};
const ac = buildAccept(rq, printer, settings);
const bytes = {
  rq: encodePdu(rq),
  ac: encodePdu(ac),
  rj: encodePdu({ type: 'A-ASSOCIATE-RJ', result: 1, source: 1, reason: 7 }),
  pdata: encodePdu(commandPData(1, echoCommand(1))),
  releaseRq: encodePdu({ type: 'A-RELEASE-RQ' }),
  releaseRp: encodePdu({ type: 'A-RELEASE-RP' }),
  abort: encodePdu({ type: 'A-ABORT', source: 0, reason: 0 }),
  garbage: Buffer.from('090000000004' + '00000000', 'hex'),
};

const acceptor = () => new Association({ role: 'acceptor', limits, decide: () => 'defer' });
const requestor = () => new Association({ role: 'requestor', limits });

/** An engine put into `state` by legal steps. */
function reach(state: State): Association {
  const a = (steps: ((x: Association) => void)[], x: Association) => {
    for (const s of steps) s(x);
    expect(x.state).toBe(state);
    return x;
  };
  const accSta6 = [
    (x: Association) => x.transportAccepted(),
    (x: Association) => x.receive(bytes.rq),
    (x: Association) => x.associateResponse({ accept: ac }),
  ];
  const reqSta6 = [
    (x: Association) => x.associateRequest(rq),
    (x: Association) => x.transportConnected(),
    (x: Association) => x.receive(bytes.ac),
  ];
  switch (state) {
    case 'Sta1':
      return acceptor();
    case 'Sta2':
      return a([(x) => x.transportAccepted()], acceptor());
    case 'Sta3':
      return a([(x) => x.transportAccepted(), (x) => x.receive(bytes.rq)], acceptor());
    case 'Sta4':
      return a([(x) => x.associateRequest(rq)], requestor());
    case 'Sta5':
      return a([(x) => x.associateRequest(rq), (x) => x.transportConnected()], requestor());
    case 'Sta6':
      return a(accSta6, acceptor());
    case 'Sta7':
      return a([...reqSta6, (x) => x.releaseRequest()], requestor());
    case 'Sta8':
      return a([...accSta6, (x) => x.receive(bytes.releaseRq)], acceptor());
    case 'Sta9':
      return a([...reqSta6, (x) => x.releaseRequest(), (x) => x.receive(bytes.releaseRq)], requestor());
    case 'Sta10':
      return a([...accSta6, (x) => x.releaseRequest(), (x) => x.receive(bytes.releaseRq)], acceptor());
    case 'Sta11':
      return a(
        [
          ...reqSta6,
          (x) => x.releaseRequest(),
          (x) => x.receive(bytes.releaseRq),
          (x) => x.releaseResponse(),
        ],
        requestor(),
      );
    case 'Sta12':
      return a(
        [
          ...accSta6,
          (x) => x.releaseRequest(),
          (x) => x.receive(bytes.releaseRq),
          (x) => x.receive(bytes.releaseRp),
        ],
        acceptor(),
      );
    case 'Sta13':
      return a([...accSta6, (x) => x.receive(bytes.releaseRq), (x) => x.releaseResponse()], acceptor());
  }
}

const INJECT: Record<Event, (x: Association) => void> = {
  Evt1: (x) => x.associateRequest(rq),
  Evt2: (x) => x.transportConnected(),
  Evt3: (x) => x.receive(bytes.ac),
  Evt4: (x) => x.receive(bytes.rj),
  Evt5: (x) => x.transportAccepted(),
  Evt6: (x) => x.receive(bytes.rq),
  Evt7: (x) => x.associateResponse({ accept: ac }),
  Evt8: (x) => x.associateResponse({ reject: { result: 1, source: 1, reason: 1 }, why: 'test' }),
  Evt9: (x) => x.sendPData(commandPData(1, echoCommand(1))),
  Evt10: (x) => x.receive(bytes.pdata),
  Evt11: (x) => x.releaseRequest(),
  Evt12: (x) => x.receive(bytes.releaseRq),
  Evt13: (x) => x.receive(bytes.releaseRp),
  Evt14: (x) => x.releaseResponse(),
  Evt15: (x) => x.abort(0, 0, 'test'),
  Evt16: (x) => x.receive(bytes.abort),
  Evt17: (x) => x.transportClosed(),
  Evt18: (x) => x.artimExpired(),
  Evt19: (x) => x.receive(bytes.garbage),
};

describe('PS3.8 Table 9-10', () => {
  it('the table in fsm.ts equals the independent transcription, cell for cell', () => {
    for (const event of Object.keys(EVENTS) as Event[]) {
      for (const state of STATE_LIST) {
        expect(TRANSITIONS[event][state], `${event} in ${state}`).toBe(grid.get(`${event}|${state}`));
      }
    }
  });

  const cells = [...grid.entries()].map(([k, action]) => {
    const [event, state] = k.split('|') as [Event, State];
    return { event, state, action };
  });

  it.each(cells)('$state + $event -> $action', ({ event, state, action }) => {
    const x = reach(state);
    const before = x.history.length;
    INJECT[event](x);
    const step = x.history[before];
    expect(step, 'a transition happened').toBeDefined();
    expect(step).toMatchObject({ from: state, event, action });
    expect(ACTION_NEXT_STATES[action]).toContain(step!.to);
    if (action === 'AE-6') expect(step!.to).toBe('Sta3');
    if (action === 'AR-8') expect(step!.to).toBe(x.options.role === 'requestor' ? 'Sta9' : 'Sta10');
  });

  it('every received-PDU event is defined in every state where a transport exists', () => {
    const withTransport = STATE_LIST.filter((s) => s !== 'Sta1' && s !== 'Sta4');
    for (const e of [
      'Evt3',
      'Evt4',
      'Evt6',
      'Evt10',
      'Evt12',
      'Evt13',
      'Evt16',
      'Evt17',
      'Evt19',
    ] as Event[]) {
      for (const s of withTransport) expect(TRANSITIONS[e][s], `${e} in ${s}`).toBeDefined();
    }
  });

  it('local primitives are refused, not thrown, where PS3.8 defines no action', () => {
    const x = reach('Sta2');
    expect(x.sendPData(commandPData(1, echoCommand(1)))).toEqual([]);
    expect(x.abort(0, 0, 'n/a').length).toBe(0); // Evt15 has no cell in Sta2
    expect(x.state).toBe('Sta2');
  });
});
