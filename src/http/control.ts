/**
 * Who may do what over HTTP, decided for every request in one onRequest hook (accessHook), before
 * routing-specific work and before a body is read:
 *
 * 1. Host (every request): the Host header names this server: localhost, this machine's hostname,
 *    the --host address, a name in --allowed-hosts, or any IP address. A DNS-rebinding page
 *    (evil.example resolving to 127.0.0.1) reaches us with Host: evil.example, which is refused; it
 *    can never make the browser send an IP literal it is not served from. `*` turns this off.
 * 2. Origin (requests that change something: any method but GET and HEAD): a present Origin is
 *    this server's own (scheme://host:port as the request reached it) or names a host given in
 *    --allowed-hosts (a reverse proxy's public name, any port). Browsers send Origin on every
 *    cross-site POST, PUT and DELETE.
 * 3. Access, under /api/ (GET /api/control and /api/session excepted):
 *    - control requests (every method but GET and HEAD) need the token (Authorization: Bearer, or
 *      the console's session cookie) when --api-token is set; without one, a client connecting
 *      from loopback (127.0.0.0/8, ::1, ::ffff:127.x: its source address, whatever --host is), and
 *      no one else. Without the bearer header, a control request must also be one a web page
 *      cannot send cross-site without a CORS preflight: a POST must be content-type
 *      application/json, and a body of any other type is refused (PUT and DELETE always preflight).
 *    - reads (GET, HEAD) are open, unless --protect-reads: then the same who-rule as control.
 *
 * A refusal is 403 (401 when the token would help) with {"error": one line, "rule": which}.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface ControlPolicy {
  /** --api-token: required from every client, loopback included, once set. */
  token?: string;
  /** --protect-reads: reads under /api/ follow the who-rule of control requests. */
  protectReads?: boolean;
  /** --allowed-hosts: names besides the defaults; ['*'] allows any Host. */
  allowedHosts?: readonly string[];
  /** --host, the address the listeners bind to: one of the server's names unless a wildcard. */
  bindHost?: string;
  /** This machine's name (default: os.hostname()). */
  hostname?: string;
}

/** Which rule refused a request. */
export type Rule = 'host' | 'origin' | 'content-type' | 'loopback' | 'token';

export type Verdict =
  | { allowed: true; via: 'open' | 'loopback' | 'token' | 'session'; reason: string }
  | { allowed: false; status: 401 | 403; rule: Rule; reason: string };

/** A source address on loopback: 127.0.0.0/8, ::1, or 127.x mapped into IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase();
  return a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(a);
}

/** Bind addresses that mean "every interface": not a name of the server. */
const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]', '::0']);

/** A host as a Host header or an origin carries it: lower case, brackets on IPv6, no final dot. */
function normalHost(h: string): string {
  const lower = h.toLowerCase().replace(/\.$/, '');
  return isIP(lower) === 6 ? `[${lower}]` : lower;
}

const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i;
const ORIGIN = /^(https?):\/\/(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i;
const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443' };

interface HostPort {
  host: string;
  port: string;
}

function parseHost(header: string, scheme: string): HostPort | undefined {
  const m = HOST_HEADER.exec(header);
  if (!m) return undefined;
  return { host: normalHost(m[1]!), port: m[2] ?? DEFAULT_PORT[scheme] ?? '' };
}

function isIpLiteral(host: string): boolean {
  return isIP(host.replace(/^\[(.*)\]$/, '$1')) !== 0;
}

/** The session cookie lasts a working day; logging in again makes a new one. */
export const SESSION_SECONDS = 12 * 3600;

/** The console's session cookie for the port the browser reached us on (cookies ignore ports). */
export function sessionCookieName(req: FastifyRequest): string {
  const hp = parseHost(req.headers.host ?? '', req.protocol);
  return `lightbox_session_${hp?.port || 'default'}`;
}

function sessionMac(token: string, expires: number): string {
  return createHmac('sha256', token).update(`lightbox session ${expires}`).digest('base64url');
}

/** A cookie value proving the token was shown: "<expires, unix s>.<HMAC(token, expires)>". */
export function sessionValue(token: string, now = Date.now()): { value: string; expires: number } {
  const expires = Math.floor(now / 1000) + SESSION_SECONDS;
  return { value: `${expires}.${sessionMac(token, expires)}`, expires };
}

/** Constant time, also in the length: the digests are compared, never the strings. */
function sameSecret(given: string, want: string): boolean {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(want));
}

function cookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);
/** /api/ routes open to anyone who passes the Host rule: how the console learns what it may do. */
const UNGUARDED = new Set(['/api/control', '/api/session']);

export class Access {
  readonly #policy: ControlPolicy;
  /** Names of this server (Host and Origin), lower case; IP literals pass the Host rule anyway. */
  readonly #names: Set<string>;
  /** --allowed-hosts as given: an Origin naming one of them passes (a reverse proxy's public name). */
  readonly #configured: Set<string>;
  readonly #anyHost: boolean;

  constructor(policy: ControlPolicy) {
    this.#policy = policy;
    const configured = (policy.allowedHosts ?? []).map(normalHost);
    this.#anyHost = configured.includes('*');
    this.#configured = new Set(configured.filter((n) => n !== '*'));
    this.#names = new Set(
      ['localhost', '127.0.0.1', '[::1]', policy.hostname ?? hostname(), ...configured]
        .filter((n) => n !== '*')
        .map(normalHost),
    );
    const bind = policy.bindHost ?? '';
    if (!WILDCARDS.has(bind)) this.#names.add(normalHost(bind.replace(/^\[(.*)\]$/, '$1')));
  }

  get tokenSet(): boolean {
    return Boolean(this.#policy.token);
  }

  get protectReads(): boolean {
    return Boolean(this.#policy.protectReads);
  }

  /** Rule 1: the Host header names this server. */
  checkHost(req: FastifyRequest): Verdict | undefined {
    const header = req.headers.host;
    // HTTP/1.0 may omit it (Node requires it of 1.1); a browser always sends one.
    if (header === undefined) return undefined;
    const hp = parseHost(header, req.protocol);
    if (hp && (this.#anyHost || isIpLiteral(hp.host) || this.#names.has(hp.host))) return undefined;
    return {
      allowed: false,
      status: 403,
      rule: 'host',
      reason: `Host ${JSON.stringify(header)} is not a name of this server: refused against DNS rebinding (add it with --allowed-hosts)`,
    };
  }

  /** Rule 2: a request that changes something comes from this server's own pages, if from a page at all. */
  checkOrigin(req: FastifyRequest): Verdict | undefined {
    const origin = req.headers.origin;
    if (origin === undefined || SAFE_METHODS.has(req.method)) return undefined;
    const m = ORIGIN.exec(origin);
    if (m) {
      const scheme = m[1]!.toLowerCase();
      const from = { host: normalHost(m[2]!), port: m[3] ?? DEFAULT_PORT[scheme]! };
      const own = parseHost(req.headers.host ?? '', req.protocol);
      const same = own && scheme === req.protocol && own.host === from.host && own.port === from.port;
      if (same || this.#configured.has(from.host)) return undefined;
    }
    const own = req.headers.host ? `${req.protocol}://${req.headers.host}` : 'none';
    return {
      allowed: false,
      status: 403,
      rule: 'origin',
      reason: `Origin ${JSON.stringify(origin)} is not this server's own (${own}): cross-site requests that change something are refused (CSRF)`,
    };
  }

  /** The credentials a request carries, checked. */
  #credentials(req: FastifyRequest): { bearer: 'none' | 'valid' | 'wrong'; session: boolean } {
    const token = this.#policy.token;
    const auth = req.headers.authorization;
    let bearer: 'none' | 'valid' | 'wrong' = 'none';
    if (token && auth !== undefined) {
      const given = /^Bearer +(.+)$/i.exec(auth)?.[1]?.trim() ?? '';
      bearer = sameSecret(given, token) ? 'valid' : 'wrong';
    }
    let session = false;
    const value = token ? cookie(req, sessionCookieName(req)) : undefined;
    if (token && value) {
      const [expires, mac] = value.split('.');
      const exp = Number(expires);
      session =
        Number.isInteger(exp) && exp * 1000 > Date.now() && sameSecret(mac ?? '', sessionMac(token, exp));
    }
    return { bearer, session };
  }

  /** Who may do this: the token (or its session), else loopback when no token is set. */
  #who(req: FastifyRequest, what: 'control' | 'reads'): Verdict {
    const client = req.socket.remoteAddress ?? 'unknown';
    const { bearer, session } = this.#credentials(req);
    const subject = what === 'control' ? 'control requests' : 'reads (--protect-reads)';
    const needs = what === 'control' ? 'control requests need' : 'reads need (--protect-reads)';
    if (bearer === 'wrong')
      return {
        allowed: false,
        status: 401,
        rule: 'token',
        reason: "the bearer token is not this server's --api-token",
      };
    if (bearer === 'valid')
      return { allowed: true, via: 'token', reason: 'this request carries the API token' };
    if (this.#policy.token) {
      if (session)
        return { allowed: true, via: 'session', reason: 'this browser is logged in with the API token' };
      return {
        allowed: false,
        status: 401,
        rule: 'token',
        reason: `${needs} the API token (--api-token is set): send Authorization: Bearer <token>, or log in on the console`,
      };
    }
    if (isLoopbackAddress(client))
      return {
        allowed: true,
        via: 'loopback',
        reason: `this client (${client}) is on this machine (loopback) and no --api-token is set`,
      };
    return {
      allowed: false,
      status: 403,
      rule: 'loopback',
      reason: `${subject} are accepted only from this machine (loopback) while no --api-token is set; this client is ${client}`,
    };
  }

  /** Rule 3 for a control request: who, and a request a page cannot send cross-site unasked. */
  control(req: FastifyRequest): Verdict {
    const who = this.#who(req, 'control');
    if (!who.allowed || who.via === 'token') return who;
    const type = req.headers['content-type'];
    const json = type !== undefined && /^application\/json\s*(;|$)/i.test(type);
    if (json || (type === undefined && req.method !== 'POST')) return who;
    return {
      allowed: false,
      status: 403,
      rule: 'content-type',
      reason:
        'control requests must be content-type: application/json (or carry the API token): a web page cannot send that cross-site without asking (CSRF)',
    };
  }

  /** Rule 3 for a read. */
  read(req: FastifyRequest): Verdict {
    if (!this.#policy.protectReads)
      return { allowed: true, via: 'open', reason: 'reads are open (no --protect-reads)' };
    return this.#who(req, 'reads');
  }

  /** What GET /api/control tells the console (and anyone) about this client. */
  describe(req: FastifyRequest) {
    const control = this.#who(req, 'control');
    const reads = this.read(req);
    return {
      allowed: control.allowed,
      reason: control.reason,
      ...(control.allowed ? { via: control.via } : { rule: control.rule }),
      client: req.socket.remoteAddress ?? 'unknown',
      tokenSet: this.tokenSet,
      session: this.#credentials(req).session,
      reads: { allowed: reads.allowed, reason: reads.reason, protected: this.protectReads },
    };
  }

  /**
   * Which who-rule a route falls under: control (token or loopback), read (the same, under
   * --protect-reads), or none. Also what /openapi.json marks as needing credentials.
   */
  guard(method: string, route: string | undefined): 'control' | 'read' | undefined {
    if (!route?.startsWith('/api/') || UNGUARDED.has(route)) return undefined;
    if (!SAFE_METHODS.has(method)) return 'control';
    return this.protectReads ? 'read' : undefined;
  }

  /** Every rule that applies to this request, in order; the first refusal, or undefined. */
  check(req: FastifyRequest): Verdict | undefined {
    const refused = this.checkHost(req) ?? this.checkOrigin(req);
    if (refused) return refused;
    const guard = this.guard(req.method, req.routeOptions.url);
    if (!guard) return undefined;
    const v = guard === 'read' ? this.read(req) : this.control(req);
    return v.allowed ? undefined : v;
  }

  /** The token given at login, checked (constant time). */
  tokenMatches(given: string): boolean {
    return Boolean(this.#policy.token) && sameSecret(given, this.#policy.token!);
  }
}

/** Refuse with the rule's status and one line saying which rule. */
export function refuse(reply: FastifyReply, v: Extract<Verdict, { allowed: false }>) {
  if (v.status === 401) reply.header('www-authenticate', 'Bearer realm="lightbox"');
  return reply.code(v.status).send({ error: v.reason, rule: v.rule });
}

/** The onRequest hook that applies every rule to every request (the 404 handler's too). */
export function accessHook(app: FastifyInstance, access: Access): void {
  app.addHook('onRequest', async (req, reply) => {
    const refused = access.check(req);
    if (refused && !refused.allowed) {
      if (refused.rule !== 'token' || req.headers.authorization !== undefined)
        req.log.warn(
          { client: req.socket.remoteAddress, method: req.method, url: req.url, rule: refused.rule },
          `HTTP request refused: ${refused.reason}`,
        );
      return refuse(reply, refused);
    }
  });
}
