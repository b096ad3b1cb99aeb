#!/usr/bin/env node
/** Lightbox entry point: configuration, start, signals, exit codes. */
import { ConfigError, conformanceUsage, parseConfig, parseConformanceArgs, usage } from './config/config.js';
import type { Lightbox } from './lightbox.js';

/** package.json's engines: Node 24.15 has node:sqlite, the store's database, without a warning. */
const NODE_NEEDED = [24, 15] as const;

function die(message: string): never {
  process.stderr.write(`lightbox: ${message}\n`);
  process.exit(2);
}

function nodeTooOld(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major < NODE_NEEDED[0] || (major === NODE_NEEDED[0] && minor < NODE_NEEDED[1]);
}

/** `lightbox conformance ...`: print the conformance statement(s) and exit. */
async function conformance(argv: string[]): Promise<void> {
  const [{ conformanceText }, { ProfileError }] = await Promise.all([
    import('./conformance/command.js'),
    import('./profiles/profile-loader.js'),
  ]);
  try {
    const args = parseConformanceArgs(argv, process.env, process.cwd());
    process.stdout.write(args.help ? `${conformanceUsage()}\n` : conformanceText(args));
  } catch (e) {
    if (e instanceof ConfigError) die(`${e.message} (see lightbox conformance --help)`);
    if (e instanceof ProfileError) die(`bad printer profile: ${e.message}`);
    throw e;
  }
}

/** `lightbox replay ...`: send a recorded session to a printer, show the differences, exit. */
async function replay(argv: string[]): Promise<void> {
  const { parseReplayArgs, replayCommand, UsageError, ScuError } = await import('./scu/replay-command.js');
  try {
    const code = await replayCommand(parseReplayArgs(argv, process.env, process.cwd()), process.stdout);
    process.exitCode = code;
  } catch (e) {
    if (e instanceof UsageError || e instanceof ScuError) die(`${e.message} (see lightbox replay --help)`);
    throw e;
  }
}

/** `lightbox print-film ...`: print a stored film on another printer, exit. */
async function printFilm(argv: string[]): Promise<void> {
  await sendCommand('print-film', async () => {
    const { printFilmCommand } = await import('./scu/print-film-command.js');
    return printFilmCommand(argv, process.env, process.cwd(), process.stdout);
  });
}

/** `lightbox print-pattern ...`: print a QA test pattern on a printer, exit. */
async function printPattern(argv: string[]): Promise<void> {
  await sendCommand('print-pattern', async () => {
    const { printPatternCommand } = await import('./scu/print-pattern-command.js');
    return printPatternCommand(argv, process.env, process.cwd(), process.stdout);
  });
}

/** Runs an SCU command for its exit status; a usage error is one line on stderr and exit 2. */
async function sendCommand(name: string, run: () => Promise<number>): Promise<void> {
  const [{ UsageError }, { ScuError }] = await Promise.all([
    import('./scu/send-args.js'),
    import('./scu/scu-error.js'),
  ]);
  try {
    process.exitCode = await run();
  } catch (e) {
    if (e instanceof UsageError || e instanceof ScuError) die(`${e.message} (see lightbox ${name} --help)`);
    throw e;
  }
}

async function main(): Promise<void> {
  // Checked before the server's modules are loaded (they are imported below, not at the top): an
  // older Node would fail on node:sqlite with a stack trace instead of this line. Importing them
  // there also keeps --help and configuration errors quick (the profile schema alone takes 0.3 s).
  if (nodeTooOld())
    die(
      `needs Node.js >= ${NODE_NEEDED.join('.')}, this is ${process.version} (npm start runs the one npm ci installed in node_modules/.bin)`,
    );
  if (process.argv[2] === 'conformance') return conformance(process.argv.slice(3));
  if (process.argv[2] === 'replay') return replay(process.argv.slice(3));
  if (process.argv[2] === 'print-film') return printFilm(process.argv.slice(3));
  if (process.argv[2] === 'print-pattern') return printPattern(process.argv.slice(3));
  let parsed: ReturnType<typeof parseConfig>;
  try {
    parsed = parseConfig(process.argv.slice(2), process.env, process.cwd());
  } catch (e) {
    if (e instanceof ConfigError) die(`${e.message} (see --help)`);
    throw e;
  }
  if (parsed.help) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const [{ createLogger, flushLogs }, { ProfileError }, { Lightbox }] = await Promise.all([
    import('./log.js'),
    import('./profiles/profile-loader.js'),
    import('./lightbox.js'),
  ]);
  const log = createLogger(parsed.config.logLevel);
  let app: Lightbox;
  try {
    app = new Lightbox(parsed.config, log);
  } catch (e) {
    if (e instanceof ProfileError) die(`bad printer profile: ${e.message}`);
    die(`cannot start: ${(e as Error).message ?? String(e)}`);
  }
  try {
    await app.start();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    die(`cannot listen: ${err.code ?? ''} ${err.message}`.trim());
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await app.stop();
    log.info('stopped');
    await flushLogs(log);
    process.exit(0);
  };
  // SIGHUP: read the TLS certificate and key again (the outcome is logged; a bad file keeps the old).
  process.on('SIGHUP', () => void app.reloadTls('SIGHUP'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

// A bug that escapes every handler: say so on stderr (logs are asynchronous) and exit non-zero
// rather than serve on in an unknown state.
process.on('uncaughtException', (e) => {
  process.stderr.write(`lightbox: internal error: ${e.stack ?? e}\n`);
  process.exit(1);
});

void main();
