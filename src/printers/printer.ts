/**
 * A configured printer at run time: its profile, its resolved capabilities and state, the services
 * it offers, and what association acceptance needs to know about it.
 */
import type { Logger } from 'pino';
import type { AcceptingPrinter } from '../dicom/ul/acceptance.js';
import { printService } from '../print/print-service.js';
import { PrinterRuntime } from '../print/printer-runtime.js';
import { ServiceRegistry } from '../services/registry.js';
import { verificationService } from '../services/verification.js';
import type { Store } from '../store/store.js';
import { type Capabilities, resolveCapabilities } from './capabilities.js';
import { type PrinterProfile, TRANSFER_SYNTAX_NAMES } from './profile-schema.js';

export interface Printer {
  profile: PrinterProfile;
  source: string;
  caps: Capabilities;
  runtime: PrinterRuntime;
  registry: ServiceRegistry;
  accepting: AcceptingPrinter;
}

export function createPrinter(
  profile: PrinterProfile,
  source: string,
  env: { store: Store; logger: Logger },
): Printer {
  const caps = resolveCapabilities(profile);
  const runtime = new PrinterRuntime(caps, env.store, env.logger);
  const registry = new ServiceRegistry([verificationService, printService(runtime)]);
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
      transferSyntaxes: caps.transferSyntaxes.map(
        (n) => TRANSFER_SYNTAX_NAMES[n as keyof typeof TRANSFER_SYNTAX_NAMES],
      ),
    },
  };
}
