/**
 * The conformance rules, one row each: what is checked, how bad a breach is, the section of the
 * standard it rests on and the project's note that explains it (docs/spec, `file#anchor`), with a
 * sentence of that note. Checks live in checks/; test/spec/citations.test.ts keeps every anchor
 * existing and every quote verbatim in the section it names.
 */
import * as A from './checks/attributes.js';
import * as O from './checks/order.js';
import * as S from './checks/session.js';
import type { Rule } from './model.js';

export const RULES: readonly Rule[] = [
  // ---------------------------------------------------------------- data sets
  {
    id: 'attributes.missing-mandatory',
    severity: 'error',
    title: 'Mandatory (M) attribute missing or without a value',
    spec: {
      section: 'PS3.4 H.2.4',
      note: 'conventions#usage',
      quote:
        'An M/M attribute the SCU leaves out is answered with 0x0120 Missing Attribute, on N-SET as well as N-CREATE',
    },
    check: A.missingMandatory,
  },
  {
    id: 'attributes.value-not-allowed',
    severity: 'error',
    title: 'Value outside the defined or enumerated terms this printer accepts',
    spec: {
      section: 'PS3.7 C.4',
      note: 'statuses#general',
      quote:
        'the value is one the standard does not allow, or one this printer does not take (an Image Display Format or film size it lacks, for example)',
    },
    check: A.valueNotAllowed,
  },
  {
    id: 'attributes.not-defined',
    severity: 'warning',
    title: 'Attribute the SOP class does not define, or this printer does not support',
    spec: {
      section: 'PS3.7 C.4',
      note: 'statuses#general',
      quote: 'the tag is unknown to the SOP class or not supported by this printer',
    },
    check: A.notDefined,
  },
  {
    id: 'attributes.not-settable',
    severity: 'error',
    title: 'N-SET of an attribute fixed at N-CREATE',
    spec: {
      section: 'PS3.4 H.4.2',
      note: 'attributes#film-box-set',
      quote:
        'Image Display Format, Film Orientation, Film Size ID, Annotation Display Format ID and Requested Resolution ID are fixed at N-CREATE',
    },
    check: A.notSettable,
  },
  {
    id: 'vr.mismatch',
    severity: 'error',
    title: 'Explicit VR element whose VR is not the data dictionary’s',
    spec: {
      section: 'PS3.6',
      note: 'conventions#tags',
      quote: "a data set element whose explicit VR differs from the dictionary's is an encoding error",
    },
    check: A.wrongVr,
  },
  // ---------------------------------------------------------------- presentation contexts
  {
    id: 'context.sop-class-mismatch',
    severity: 'error',
    title: 'SOP class not carried by the presentation context it was sent on',
    spec: {
      section: 'PS3.4 H.5',
      note: 'association#contexts',
      quote:
        'Messages of the Film Session, Film Box, image boxes and Printer are sent on the context of the meta SOP class',
    },
    check: S.contextMismatch,
  },
  // ---------------------------------------------------------------- order of requests
  {
    id: 'order.second-film-session',
    severity: 'error',
    title: 'Second Film Session N-CREATE while one exists',
    spec: {
      section: 'PS3.4 H.4.1',
      note: 'lifecycle#film-session',
      quote:
        'An association holds at most one at a time, so a second Film Session N-CREATE while one exists is refused',
    },
    check: O.secondFilmSession,
  },
  {
    id: 'order.film-box-without-session',
    severity: 'error',
    title: 'Film Box N-CREATE before any Film Session',
    spec: {
      section: 'PS3.4 H.4.2',
      note: 'lifecycle#film-box',
      quote: 'a Film Box N-CREATE that comes before any film session is an error',
    },
    check: O.filmBoxWithoutSession,
  },
  {
    id: 'order.box-without-film-box',
    severity: 'error',
    title: 'Image or annotation box N-SET before any Film Box exists',
    spec: {
      section: 'PS3.4 H.4.3',
      note: 'lifecycle#image-box',
      quote: 'An image box N-SET therefore needs a film box to exist',
    },
    check: O.boxWithoutFilmBox,
  },
  {
    id: 'order.unknown-instance',
    severity: 'error',
    title: 'Request naming an instance this association never created (or already deleted)',
    spec: {
      section: 'PS3.7 C.4',
      note: 'statuses#general',
      quote: 'the instance does not exist (never created, deleted, or gone with its association)',
    },
    check: O.unknownInstance,
  },
  {
    id: 'order.not-last-film-box',
    severity: 'error',
    title: 'Film box, or one of its boxes, used after a newer film box was created',
    spec: {
      section: 'PS3.4 H.4.2',
      note: 'lifecycle#last-film-box',
      quote: 'Film Box N-SET, N-ACTION and N-DELETE are meant for the most recently created film box',
    },
    check: O.notLastFilmBox,
  },
  {
    id: 'order.set-after-print',
    severity: 'error',
    title: 'Image box N-SET after its film box was printed, which this printer refuses',
    spec: {
      section: 'PS3.4 H.4.2',
      note: 'lifecycle#print-snapshot',
      quote: 'nothing the SCU changes afterwards alters the job',
    },
    check: O.setAfterPrint,
  },
  {
    id: 'order.print-empty-page',
    severity: 'warning',
    title: 'N-ACTION (print) before any image was set: an empty page',
    spec: {
      section: 'PS3.4 H.4.2',
      note: 'statuses#print',
      quote: 'no image box of the film box holds an image: an empty page',
    },
    check: O.printEmptyPage,
  },
  {
    id: 'order.session-print-without-film-box',
    severity: 'error',
    title: 'Film Session N-ACTION with no film box',
    spec: {
      section: 'PS3.4 H.4.1',
      note: 'lifecycle#session-print',
      quote: 'It needs at least one film box: with none, the answer is 0xC600.',
    },
    check: O.sessionPrintWithoutFilmBox,
  },
  {
    id: 'order.lut-not-created',
    severity: 'error',
    title: 'Presentation LUT referenced before it was created (or after it was deleted)',
    spec: {
      section: 'PS3.4 H.4.9',
      note: 'lifecycle#presentation-lut',
      quote: 'referencing one that was never created, or was deleted, is an error',
    },
    check: O.lutNotCreated,
  },
  // ---------------------------------------------------------------- association and events
  {
    id: 'association.not-released',
    severity: 'error',
    title: 'Association not ended by a normal release',
    spec: {
      section: 'PS3.8 7.2, 7.3',
      note: 'association#release',
      quote: 'The normal end of a print association is a release',
    },
    provokable: 'ending',
    check: S.notReleased,
  },
  {
    id: 'event.unanswered',
    severity: 'error',
    title: 'N-EVENT-REPORT never answered by the SCU',
    spec: {
      section: 'PS3.7 10.1.1',
      note: 'lifecycle#events',
      quote: 'the SCU answers every N-EVENT-REPORT, and answers it with 0x0000 unless it cannot process it',
    },
    provokable: 'ending',
    check: S.eventUnanswered,
  },
  {
    id: 'event.failed',
    severity: 'warning',
    title: 'N-EVENT-REPORT answered with a failure status',
    spec: {
      section: 'PS3.7 10.1.1',
      note: 'lifecycle#events',
      quote: 'the SCU answers every N-EVENT-REPORT, and answers it with 0x0000 unless it cannot process it',
    },
    check: S.eventFailed,
  },
  // ---------------------------------------------------------------- what the printer answered
  {
    id: 'status.failure',
    severity: 'error',
    title: 'Request refused with a failure status',
    spec: {
      section: 'PS3.4 H.4, PS3.7 10.1',
      note: 'statuses#choosing',
      quote: 'the failure is answered and the operation is not carried out',
    },
    provokable: 'response',
    check: S.failureStatus,
  },
  {
    id: 'status.warning',
    severity: 'warning',
    title: 'Request answered with a warning status',
    spec: {
      section: 'PS3.4 H.4, PS3.7 10.1',
      note: 'statuses#choosing',
      quote: 'A warning is a success with a remark',
    },
    provokable: 'response',
    check: S.warningStatus,
  },
];
