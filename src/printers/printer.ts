/**
 * A configured printer at run time: its profile, the services it offers, and what association
 * acceptance needs to know about it.
 */
import type { AcceptingPrinter } from '../dicom/ul/acceptance.js';
import { ServiceRegistry } from '../services/registry.js';
import type { Service } from '../services/service.js';
import { verificationService } from '../services/verification.js';
import { DEFAULT_PROFILE } from './default-profile.js';
import { type PrinterProfile, TRANSFER_SYNTAX_NAMES } from './profile-schema.js';

export interface Printer {
  profile: PrinterProfile;
  source: string;
  registry: ServiceRegistry;
  accepting: AcceptingPrinter;
}

/** The services every printer offers today; Print Management joins here. */
function servicesFor(_profile: PrinterProfile): Service[] {
  return [verificationService];
}

export function createPrinter(profile: PrinterProfile, source: string): Printer {
  const registry = new ServiceRegistry(servicesFor(profile));
  const tsNames = profile.transferSyntaxes ?? DEFAULT_PROFILE.transferSyntaxes!;
  return {
    profile,
    source,
    registry,
    accepting: {
      aeTitle: profile.aeTitle,
      callingAeTitles: profile.callingAeTitles ?? [],
      abstractSyntaxes: registry.abstractSyntaxes,
      transferSyntaxes: tsNames.map((n) => TRANSFER_SYNTAX_NAMES[n as keyof typeof TRANSFER_SYNTAX_NAMES]),
    },
  };
}
