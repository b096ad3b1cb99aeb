#!/usr/bin/env node
/** Lightbox entry point: configuration, start, signals, exit codes. */
import { ConfigError, conformanceUsage, parseConfig, parseConformanceArgs, usage } from './config/config.js';
import { conformanceText } from './conformance/command.js';
import { Lightbox } from './lightbox.js';
import { createLogger, flushLogs } from './log.js';
import { ProfileError } from './profiles/profile-loader.js';

function die(message: string): never {
  process.stderr.write(`lightbox: ${message}\n`);
  process.exit(2);
}

/** `lightbox conformance ...`: print the conformance statement(s) and exit. */
function conformance(argv: string[]): void {
  try {
    const args = parseConformanceArgs(argv, process.env, process.cwd());
    process.stdout.write(args.help ? `${conformanceUsage()}\n` : conformanceText(args));
  } catch (e) {
    if (e instanceof ConfigError) die(`${e.message} (see lightbox conformance --help)`);
    if (e instanceof ProfileError) die(`bad printer profile: ${e.message}`);
    throw e;
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'conformance') return conformance(process.argv.slice(3));
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
