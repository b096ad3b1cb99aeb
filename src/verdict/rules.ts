/**
 * The conformance rules, one row each: what is checked, how bad a breach is, and the words of the
 * spec digest (../shared/spec/print-management.md) it rests on. Checks live in checks/; a test
 * keeps every quote verbatim in the digest section it names.
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
      section: '§11.7',
      quote: 'PS3.4 H.2.4 says M/M attributes missing on the SCU side must yield 0x0120.',
    },
    check: A.missingMandatory,
  },
  {
    id: 'attributes.value-not-allowed',
    severity: 'error',
    title: 'Value outside the defined or enumerated terms this printer accepts',
    spec: {
      section: '§6.1',
      quote:
        'Value out of range or unsupported (includes an unsupported Image Display Format, film size, etc.)',
    },
    check: A.valueNotAllowed,
  },
  {
    id: 'attributes.not-defined',
    severity: 'warning',
    title: 'Attribute the SOP class does not define, or this printer does not support',
    spec: { section: '§6.1', quote: 'Tag not recognised or not supported.' },
    check: A.notDefined,
  },
  {
    id: 'attributes.not-settable',
    severity: 'error',
    title: 'N-SET of an attribute fixed at N-CREATE',
    spec: {
      section: '§4.2',
      quote:
        'Not settable after creation: Image Display Format, Film Orientation, Film Size ID, Annotation Display Format ID and Requested Resolution ID.',
    },
    check: A.notSettable,
  },
  {
    id: 'vr.mismatch',
    severity: 'error',
    title: 'Explicit VR element whose VR is not the data dictionary’s',
    spec: { section: '§0', quote: 'VR and VM are from PS3.6.' },
    check: A.wrongVr,
  },
  // ---------------------------------------------------------------- presentation contexts
  {
    id: 'context.sop-class-mismatch',
    severity: 'error',
    title: 'SOP class not carried by the presentation context it was sent on',
    spec: {
      section: '§2',
      quote: 'Film Session, Film Box, Image Box and Printer messages travel on the meta SOP class context.',
    },
    check: S.contextMismatch,
  },
  // ---------------------------------------------------------------- order of requests
  {
    id: 'order.second-film-session',
    severity: 'error',
    title: 'Second Film Session N-CREATE while one exists',
    spec: { section: '§2', quote: 'One film session per association, at any time.' },
    check: O.secondFilmSession,
  },
  {
    id: 'order.film-box-without-session',
    severity: 'error',
    title: 'Film Box N-CREATE before any Film Session',
    spec: { section: '§3.1', quote: 'A Film Session must exist before any Film Box N-CREATE.' },
    check: O.filmBoxWithoutSession,
  },
  {
    id: 'order.box-without-film-box',
    severity: 'error',
    title: 'Image or annotation box N-SET before any Film Box exists',
    spec: { section: '§4.3', quote: 'N-SET only. The image box must belong to the last created film box.' },
    check: O.boxWithoutFilmBox,
  },
  {
    id: 'order.unknown-instance',
    severity: 'error',
    title: 'Request naming an instance this association never created (or already deleted)',
    spec: { section: '§6.5', quote: 'Any request on an unknown instance' },
    check: O.unknownInstance,
  },
  {
    id: 'order.not-last-film-box',
    severity: 'error',
    title: 'Film box, or one of its boxes, used after a newer film box was created',
    spec: { section: '§3.1', quote: 'Only the last created Film Box is modifiable.' },
    check: O.notLastFilmBox,
  },
  {
    id: 'order.set-after-print',
    severity: 'error',
    title: 'Image box N-SET after its film box was printed, which this printer refuses',
    spec: { section: '§3.1', quote: 'Later N-SETs on the working objects do not affect the queued job.' },
    check: O.setAfterPrint,
  },
  {
    id: 'order.print-empty-page',
    severity: 'warning',
    title: 'N-ACTION (print) before any image was set: an empty page',
    spec: {
      section: '§6.2',
      quote: 'Film Box hierarchy has no Image Box instances with images (empty page).',
    },
    check: O.printEmptyPage,
  },
  {
    id: 'order.session-print-without-film-box',
    severity: 'error',
    title: 'Film Session N-ACTION with no film box',
    spec: {
      section: '§3.1',
      quote: 'It is only allowed when at least one film box exists; otherwise return 0xC600.',
    },
    check: O.sessionPrintWithoutFilmBox,
  },
  {
    id: 'order.lut-not-created',
    severity: 'error',
    title: 'Presentation LUT referenced before it was created (or after it was deleted)',
    spec: {
      section: '§3.1',
      quote:
        'Create it with N-CREATE before referencing it from a Film Box or Image Box through Referenced Presentation LUT Sequence (2050,0500).',
    },
    check: O.lutNotCreated,
  },
  // ---------------------------------------------------------------- association and events
  {
    id: 'association.not-released',
    severity: 'error',
    title: 'Association not ended by a normal release',
    spec: { section: '§9.6', quote: 'Treat a release as normal termination (§2).' },
    provokable: 'ending',
    check: S.notReleased,
  },
  {
    id: 'event.unanswered',
    severity: 'error',
    title: 'N-EVENT-REPORT never answered by the SCU',
    spec: {
      section: '§5',
      quote: 'Send on every status change, to every association using the printer. Wait for the RSP.',
    },
    provokable: 'ending',
    check: S.eventUnanswered,
  },
  {
    id: 'event.failed',
    severity: 'warning',
    title: 'N-EVENT-REPORT answered with a failure status',
    spec: { section: '§10', quote: 'The SCU answers each with 0x0000.' },
    check: S.eventFailed,
  },
  // ---------------------------------------------------------------- what the printer answered
  {
    id: 'status.failure',
    severity: 'error',
    title: 'Request refused with a failure status',
    spec: {
      section: '§6.4',
      quote: 'If both are present, return the failure and do not apply the operation.',
    },
    provokable: 'response',
    check: S.failureStatus,
  },
  {
    id: 'status.warning',
    severity: 'warning',
    title: 'Request answered with a warning status',
    spec: {
      section: '§6.4',
      quote:
        'A warning still means success. After a warning status the objects exist or were updated, and the SCU carries on.',
    },
    provokable: 'response',
    check: S.warningStatus,
  },
];
