/**
 * The vocabulary of a conformance verdict: rules, what a rule finds, and the verdict on one
 * association. Plain data, JSON as is: the HTTP API and the JUnit renderer read the same objects.
 */
import type { Conversation } from './conversation.js';

export type Severity = 'error' | 'warning' | 'info';

/** Where a rule comes from: a section of the spec digest and a short quote of it. */
export interface SpecRef {
  section: string;
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
  spec: SpecRef;
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
}
