/**
 * A configured printer at run time: its profile, its resolved capabilities and state, the services
 * it offers, and what association acceptance needs to know about it.
 */
import type { Logger } from 'pino';
import { ServiceRegistry } from '../dicom/service/registry.js';
import type { Service } from '../dicom/service/service.js';
import { verificationService } from '../dicom/service/verification.js';
import type { AcceptingPrinter } from '../dicom/ul/acceptance.js';
import { type Capabilities, resolveCapabilities } from '../profiles/capabilities.js';
import { type PrinterProfile, TRANSFER_SYNTAX_NAMES } from '../profiles/profile-schema.js';
import type { Store } from '../store/store.js';
import { printService } from './print-service.js';
import { PrinterRuntime } from './printer-runtime.js';

export interface Printer {
  profile: PrinterProfile;
  source: string;
  caps: Capabilities;
  runtime: PrinterRuntime;
  registry: ServiceRegistry;
  accepting: AcceptingPrinter;
}

/** The services one printer offers: Verification and Print Management (the conformance statement lists them). */
export function printerServices(runtime: PrinterRuntime): Service[] {
  return [verificationService, printService(runtime)];
}

/** The data set transfer syntaxes a printer accepts, as UIDs, in its order of preference. */
export function transferSyntaxUids(caps: Capabilities): string[] {
  return caps.transferSyntaxes.map((n) => TRANSFER_SYNTAX_NAMES[n as keyof typeof TRANSFER_SYNTAX_NAMES]);
}

export function createPrinter(
  profile: PrinterProfile,
  source: string,
  env: { store: Store; logger: Logger },
): Printer {
  const caps = resolveCapabilities(profile);
  const runtime = new PrinterRuntime(caps, env.store, env.logger);
  const registry = new ServiceRegistry(printerServices(runtime));
  return {
    profile,
    source,
    caps,
    runtime,
    registry,
    accepting: {
      aeTitle: profile.aeTitle,
      callingAeTitles: caps.callingAeTitles,
      abstractSyntaxes: registry.abstractSyntaxes,
      transferSyntaxes: transferSyntaxUids(caps),
      requiresSecureTransport: caps.tls === 'required',
    },
  };
}
