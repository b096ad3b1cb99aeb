/**
 * The vocabulary of a conformance verdict: rules, what a rule finds, and the verdict on one
 * association. Plain data, JSON as is: the HTTP API and the JUnit renderer read the same objects.
 */
import type { Conversation } from './conversation.js';

export type Severity = 'error' | 'warning' | 'info';

/** Where a rule comes from: the section of the standard, the project's note on it, a sentence of the note. */
export interface SpecRef {
  /** The standard's section: "PS3.4 H.4.2" (or, for an expectation, the scenario). */
  section: string;
  /** The note in docs/spec that restates it, as `file#anchor` ("lifecycle#film-box"). */
  note?: string;
  quote: string;
}

/** The DIMSE message a finding is about: its place in the association record. */
export interface MessageRef {
  /** Index in AssociationSummary.messages. */
  index: number;
  type: string;
  messageId?: number;
  /** The SOP class it names, by name when we have one. */
  sopClass?: string;
}

export interface Finding {
  rule: string;
  severity: Severity;
  message?: MessageRef;
  /** The offending attribute, "(gggg,eeee)", when there is one. */
  tag?: string;
  keyword?: string;
  detail: string;
  spec: SpecRef;
  /** The test-lab fault that fired on this message (or association), when one did: an injected cause. */
  fault?: string;
}

/** What a rule's check reports; evaluate() turns each into a Finding. */
export interface Hit {
  /** Index of the message in AssociationSummary.messages. */
  at?: number;
  /** 8 hex digits ("20100010"). */
  tag?: string;
  detail: string;
}

export interface Rule {
  id: string;
  severity: Severity;
  title: string;
  spec: SpecRef & { note: string };
  /**
   * What an armed test-lab fault can provoke, so that the finding is the fault's, not the SCU's
   * (reported as info): `response`, a status a response fault answered on that very message, or
   * that the printer's own state decided (the response's `cause`); `ending`, an association a drop
   * or refuse fault ended.
   */
  provokable?: 'response' | 'ending';
  check(c: Conversation): Hit[];
}

export interface Verdict {
  association: string;
  callingAeTitle?: string;
  calledAeTitle?: string;
  printer?: string;
  startedAt: string;
  endedAt?: string;
  /** How the association ended (released, aborted-by-peer, ..., open). */
  ending: string;
  verdict: 'pass' | 'fail';
  /** False while the association is open: later messages may still add findings. */
  complete: boolean;
  /** Whose capabilities judged printer-dependent values: the printer's, or the embedded default's. */
  capabilities: 'printer' | 'default';
  counts: { error: number; warning: number; info: number; messages: number; rules: number };
  findings: Finding[];
  /** Print jobs this association created, with how they ended. */
  jobs?: JobFacts[];
  /**
   * One association's verdict only: the expectations of the scenarios judged, over the run it is
   * part of (its calling AE's associations since the scenarios were armed).
   */
  expectations?: ExpectationResult[];
}

// ---------------------------------------------------------------- expectations

/** Requests an expectation talks about: every key given must match. */
export interface MessagePattern {
  /** "N-SET", "N-ACTION", ... */
  command?: string;
  /** SOP class UIDs, any of them. */
  sopClasses?: string[];
  /** Status codes answered, any of them. */
  statuses?: number[];
  /** Status category answered. */
  category?: 'success' | 'warning' | 'failure';
}

interface ExpectationBase {
  /** "e1", or the scenario's name and the place in its list ("queue-full#1"). */
  id: string;
  description: string;
  /** Severity of a breach (default error). */
  severity: Severity;
  scenario?: string;
}

/**
 * What a careful SCU does when a fault hits it, as the verdict checks it (scenarios' `expectations`).
 * Times are seconds.
 */
export type Expectation = ExpectationBase &
  (
    | { kind: 'no-print-after-failed-set'; after: MessagePattern }
    | {
        kind: 'retry';
        /** The failure retried: a refused association, or requests answered so. */
        after: 'rejected' | MessagePattern;
        notSoonerThan: number;
        atMost: number;
        /** Retries the run must have (0: none needed). */
        atLeast: number;
      }
    | { kind: 'hold-while-failed' }
    | { kind: 'no-duplicate-job' }
    | { kind: 'release-after-failure'; after: MessagePattern; within: number }
    | { kind: 'answer-events'; within: number }
  );
export type ExpectationKind = Expectation['kind'];

/** A finding of the run, with the association it is about. */
export interface RunFinding extends Finding {
  association: string;
}

export interface ExpectationResult {
  id: string;
  kind: ExpectationKind;
  description: string;
  scenario?: string;
  /** met: triggered and kept; unmet: breached; not-applicable: what it is about never happened. */
  result: 'met' | 'unmet' | 'not-applicable';
  /** How often what it is about happened (failures, refusals, events...). */
  triggered: number;
  detail: string;
  findings: RunFinding[];
}

/** A print job of an association, as it ended (or stands). */
export interface JobFacts {
  uid: string;
  status: string;
  statusInfo: string;
  films: string[];
  /** When it reached its present state. */
  at?: string;
  /** It ended (DONE or FAILURE) after the association that printed it had ended. */
  endedAfterRelease: boolean;
}
