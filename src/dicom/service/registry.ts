/**
 * The one dispatch table: (SOP class, Command Field) -> handler, built from the services a
 * printer offers, plus which SOP classes may travel on which abstract syntax (meta classes).
 */
import type { AssociationInfo, DimseHandler, Service } from './service.js';

export class ServiceRegistry {
  readonly #routes = new Map<string, DimseHandler>();
  readonly #members = new Map<string, Set<string>>();
  readonly #services: readonly Service[];

  constructor(services: readonly Service[]) {
    this.#services = services;
    for (const s of services) {
      for (const [abstract, members] of Object.entries(s.abstractSyntaxes)) {
        const set = this.#members.get(abstract) ?? new Set<string>();
        for (const m of members) set.add(m);
        this.#members.set(abstract, set);
      }
      for (const r of s.routes) {
        for (const sop of r.sopClasses) {
          const key = `${sop}|${r.command}`;
          if (this.#routes.has(key)) throw new Error(`two handlers for ${key} (service ${s.name})`);
          this.#routes.set(key, r.handler);
        }
      }
    }
  }

  /** Abstract syntaxes a presentation context may propose and get accepted. */
  get abstractSyntaxes(): ReadonlySet<string> {
    return new Set(this.#members.keys());
  }

  /** May this specific SOP class be used on a context negotiated for this abstract syntax? */
  allowsOn(abstractSyntax: string, sopClassUid: string): boolean {
    return this.#members.get(abstractSyntax)?.has(sopClassUid) ?? false;
  }

  /** Is any operation at all defined for this SOP class? */
  knowsSopClass(sopClassUid: string): boolean {
    for (const set of this.#members.values()) if (set.has(sopClassUid)) return true;
    return false;
  }

  /** Tell each service whose abstract syntaxes were accepted that the association is up. */
  associated(a: AssociationInfo): void {
    for (const s of this.#services) {
      if (a.contexts.some((c) => c.abstractSyntax in s.abstractSyntaxes)) s.associated?.(a);
    }
  }

  handler(sopClassUid: string, commandField: number): DimseHandler | undefined {
    return this.#routes.get(`${sopClassUid}|${commandField}`);
  }
}
