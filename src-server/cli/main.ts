import { createInterface } from 'node:readline';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { verifyAuditChain } from '../audit/audit-integrity.ts';
import { systemClock } from '../clock.ts';
import { ConfigError, defaultConfig, parseInteger, resolveServeConfig, type ServeInput, type ServerConfig } from '../config.ts';
import { databaseLabel, openDatabase, type TapinDb } from '../db/open.ts';
import { seedDemo, type DemoSeed } from '../demo.ts';
import { isAppError } from '../errors.ts';
import { runCleanup } from '../maintenance/cleanup.ts';
import { createMemoryBus } from '../realtime/event-bus.ts';
import { createServices, type Services } from '../services.ts';
import { CLI_ACTOR } from '../audit/audit.repository.ts';
import { approvePairing, pairWithServer } from './pair.ts';
import { USAGE } from './usage.ts';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** One line of standard input (a PIN is never taken from the command line, where `ps` shows it). */
  readLine(prompt: string): Promise<string>;
  env: NodeJS.ProcessEnv;
}

async function readStdinLine(prompt: string): Promise<string> {
  if (process.stdin.isTTY) return readHiddenFromTerminal(prompt);
  const lines = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of lines) return line.trim();
    return '';
  } finally {
    lines.close();
  }
}

/** Someone typing at a terminal: what they type (a PIN) is not echoed. Backspace works; Ctrl-C cancels. */
function readHiddenFromTerminal(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the prompt shows: what is typed the moment it appears must not reach the screen.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve) => {
    let typed = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish();
          resolve(typed.trim());
          return;
        }
        if (char === '\u0003') {
          finish();
          process.kill(process.pid, 'SIGINT');
          return;
        }
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed += char;
      }
    };
    stdin.on('data', onData);
  });
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readLine: readStdinLine,
  env: process.env,
};

/** A mistake in how the command was called: one line on stderr, exit code 2. */
class UsageError extends Error {}

const DB_OPTION = { db: { type: 'string' } } as const;

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, positionals = 0) {
  try {
    const parsed = parseArgs({ args, options: { ...DB_OPTION, ...options }, strict: true, allowPositionals: positionals > 0 });
    if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0] : String(error));
  }
}

function required(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${flag} is required`);
  return value;
}

function id(raw: string, what: string): number {
  try {
    return parseInteger(what, raw, 1, Number.MAX_SAFE_INTEGER);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function dbPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? (env.TAPIN_DB || defaultConfig.dbPath);
}

/** Opens the database, runs one command against the services, and always closes it again. */
async function withServices<T>(path: string, work: (services: Services) => Promise<T>): Promise<T> {
  const db = await openDatabase(path);
  try {
    const config: ServerConfig = { ...defaultConfig, dbPath: path };
    const deps = { db, clock: systemClock, bus: createMemoryBus(), config, publicUrl: () => config.publicUrl ?? '' };
    const services = createServices(deps);
    try {
      return await work(services);
    } finally {
      services.loginSessions.stop();
    }
  } finally {
    await db.destroy();
  }
}

const json = (value: unknown) => JSON.stringify(value);

async function userCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'add') {
    const { values } = parse(rest, { name: { type: 'string' }, role: { type: 'string' } });
    const name = required(values.name, '--name');
    const user = await withServices(dbPath(values.db, io.env), (s) => s.users.add({ name, role: values.role }));
    io.out(json({ id: user.id, displayName: user.displayName, role: user.role }));
    return 0;
  }
  if (sub === 'pin') {
    const { values, positionals } = parse(rest, { clear: { type: 'boolean' } }, 1);
    const userId = id(required(positionals[0], 'a user ID'), 'user ID');
    if (values.clear) {
      await withServices(dbPath(values.db, io.env), (s) => s.users.clearPin(userId, CLI_ACTOR));
      io.out(json({ id: userId, pinSet: false }));
      return 0;
    }
    const pin = await io.readLine('New PIN (4 to 8 digits): ');
    if (pin === '') throw new UsageError('no PIN on standard input (e.g. printf 2580 | tapin user pin ID)');
    await withServices(dbPath(values.db, io.env), (s) => s.users.setPin(userId, pin, CLI_ACTOR));
    io.out(json({ id: userId, pinSet: true }));
    return 0;
  }
  throw new UsageError(`unknown command "user ${sub ?? ''}" (try: tapin user add --name NAME, or tapin user pin ID)`);
}

async function auditCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'verify') throw new UsageError(`unknown command "audit ${sub ?? ''}" (try: tapin audit verify)`);
  const { values } = parse(rest, {});
  const db = await openDatabase(dbPath(values.db, io.env));
  try {
    const result = await verifyAuditChain(db);
    io.out(json(result));
    if (result.broken) {
      io.err(`tapin: the audit log's chain is broken${result.broken.id === null ? '' : ` at row ${result.broken.id}`}: ${result.broken.message}`);
      return 1;
    }
    return 0;
  } finally {
    await db.destroy();
  }
}

async function dbCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'copy') throw new UsageError(`unknown command "db ${sub ?? ''}" (try: tapin db copy --from SQLITE_PATH --to POSTGRES_URL)`);
  const { values } = parse(rest, { from: { type: 'string' }, to: { type: 'string' } });
  const { copyDatabase } = await import('../db/copy.ts');
  io.out(json(await copyDatabase(required(values.from, '--from'), required(values.to, '--to'))));
  return 0;
}

async function badgeCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'add') {
    const { values } = parse(rest, {
      user: { type: 'string' },
      uid: { type: 'string' },
      'with-secret': { type: 'boolean' },
      label: { type: 'string' },
    });
    const userId = id(required(values.user, '--user'), '--user');
    const uid = required(values.uid, '--uid');
    const badge = await withServices(dbPath(values.db, io.env), (s) =>
      s.badges.enroll({ userId, uid, withSecret: values['with-secret'] === true, label: values.label }),
    );
    io.out(json(badge));
    return 0;
  }
  if (sub === 'revoke') {
    const { values, positionals } = parse(rest, { reason: { type: 'string' } }, 1);
    const badgeId = id(required(positionals[0], 'a badge ID'), 'badge ID');
    const revoked = await withServices(dbPath(values.db, io.env), (s) => s.badges.revoke(badgeId, values.reason));
    io.out(json(revoked));
    return 0;
  }
  throw new UsageError(`unknown command "badge ${sub ?? ''}" (try: tapin badge add … or tapin badge revoke ID)`);
}

async function kioskCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'pair') {
    const { values, positionals } = parse(rest, { name: { type: 'string' }, location: { type: 'string' } }, 1);
    const code = required(positionals[0], 'the code the kiosk shows');
    const name = required(values.name, '--name');
    io.out(json(await withServices(dbPath(values.db, io.env), (s) => approvePairing(s, { code, name, location: values.location }))));
    return 0;
  }
  if (sub !== 'add') throw new UsageError(`unknown command "kiosk ${sub ?? ''}" (try: tapin kiosk add --name NAME, or tapin kiosk pair CODE --name NAME)`);
  const { values } = parse(rest, { name: { type: 'string' }, location: { type: 'string' } });
  const name = required(values.name, '--name');
  const kiosk = await withServices(dbPath(values.db, io.env), (s) => s.kiosks.register({ name, location: values.location }));
  io.out(json(kiosk));
  return 0;
}

async function pairCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { server: { type: 'string' }, 'key-file': { type: 'string' }, name: { type: 'string' } });
  return pairWithServer({ server: required(values.server, '--server'), keyFile: required(values['key-file'], '--key-file'), name: values.name }, io);
}

async function cleanupCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { retention: { type: 'string' } });
  const config = resolveServeConfig({ db: values.db, retention: values.retention }, io.env);
  const db = await openDatabase(config.dbPath);
  try {
    io.out(json(await runCleanup({ db, clock: systemClock, bus: createMemoryBus(), config })));
  } finally {
    await db.destroy();
  }
  return 0;
}

function demoBanner(url: string, demo: DemoSeed): string[] {
  return [
    '',
    demo.seeded ? 'Demo data created:' : 'Demo data found; the demo kiosk got a fresh key:',
    `  kiosk "${demo.kioskName}" (id ${demo.kioskId}), key: ${demo.kioskKey}`,
    ...demo.badges.map((b) => `  badge ${b.uid}  ${b.displayName} (${b.role})`),
    '',
    'Open the kiosk screen in a browser:',
    `  ${url}/kiosk#key=${demo.kioskKey}`,
    'then open the link its QR code holds in a second (narrow) window and pick a demo badge.',
    '',
    'Or drive the flow over HTTP (README, "Walk through a login"):',
    `  curl -s -X POST -H 'Authorization: Bearer ${demo.kioskKey}' -H 'content-type: application/json' -d '{}' ${url}/api/v1/login-sessions`,
    '',
  ];
}

async function serveCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    host: { type: 'string' },
    port: { type: 'string' },
    'public-url': { type: 'string' },
    'session-ttl': { type: 'string' },
    'access-ttl': { type: 'string' },
    retention: { type: 'string' },
    'cleanup-cron': { type: 'string' },
    'audit-retention': { type: 'string' },
    'rate-limit': { type: 'string' },
    'trust-proxy': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'db-pool': { type: 'string' },
    'log-level': { type: 'string' },
    'idle-lock': { type: 'string' },
    demo: { type: 'boolean' },
    reader: { type: 'boolean' },
    'reader-kiosk': { type: 'string' },
  });
  if (values['reader-kiosk'] !== undefined && !values.reader) throw new UsageError('--reader-kiosk goes with --reader');
  const readerKiosk = values['reader-kiosk'] === undefined ? undefined : id(values['reader-kiosk'], '--reader-kiosk');
  const config = resolveServeConfig(values as ServeInput, io.env);
  // Loaded only here: the other commands start faster without the HTTP stack.
  const { buildServer } = await import('../http/app.ts');
  const server = await buildServer(config);
  const demo = config.demo ? await seedDemo(server.deps.db, server.services) : undefined;
  let readerKioskId: number | undefined;
  if (values.reader) {
    try {
      readerKioskId = await chooseReaderKiosk(server.deps.db, readerKiosk);
    } catch (error) {
      await server.close();
      throw error;
    }
  }
  let url: string;
  try {
    url = await server.listen();
  } catch (error) {
    await server.close();
    throw error;
  }
  io.out(`TapIn listening on ${url} (database ${databaseLabel(config.dbPath)})`);
  if (readerKioskId !== undefined) {
    const reader = server.attachDeskReader(readerKioskId);
    io.out(`Desk reader attached to kiosk ${readerKioskId}; waiting for the PC/SC service and a reader…`);
    reader.events.on('state', (state) => io.out(`Desk reader: ${state}`));
  }
  if (config.demo) {
    if (demo) for (const line of demoBanner(url, demo)) io.out(line);
    else io.out('--demo: this database already holds users or kiosks that are not demo data; it was left as it is.');
  }

  return new Promise<number>((resolve) => {
    let closing = false;
    const stop = (signal: NodeJS.Signals) => {
      if (closing) {
        io.err(`tapin: ${signal} again, exiting now`);
        process.exit(1);
      }
      closing = true;
      server.app.log.info({ signal }, 'shutting down');
      server.drain().then(
        () => resolve(0),
        (error: unknown) => {
          io.err(`tapin: shutdown failed: ${String(error)}`);
          resolve(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** The kiosk `--reader` acts for: the one named, or the only one registered. */
async function chooseReaderKiosk(db: TapinDb, requested: number | undefined): Promise<number> {
  const kiosks = await db.selectFrom('kiosks').select(['id', 'name']).where('revoked_at', 'is', null).orderBy('id').execute();
  if (requested !== undefined) {
    if (!kiosks.some((k) => k.id === requested)) throw new UsageError(`--reader-kiosk: no registered kiosk with id ${requested}`);
    return requested;
  }
  const [only, ...others] = kiosks;
  if (!only) throw new UsageError('--reader: no kiosk is registered yet (tapin kiosk add --name NAME)');
  if (others.length > 0) throw new UsageError(`--reader: ${kiosks.length} kiosks are registered; choose one with --reader-kiosk ID`);
  return only.id;
}

/** Runs one CLI invocation; resolves to the process exit code. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(args, io);
      case 'user':
        return await userCommand(args, io);
      case 'badge':
        return await badgeCommand(args, io);
      case 'kiosk':
        return await kioskCommand(args, io);
      case 'pair':
        return await pairCommand(args, io);
      case 'reader':
        // Loaded only here, like serve: the other commands start faster without it.
        return await (await import('./reader.ts')).readerCommand(args, io);
      case 'cleanup':
        return await cleanupCommand(args, io);
      case 'db':
        return await dbCommand(args, io);
      case 'audit':
        return await auditCommand(args, io);
      case 'import':
        return await (await import('./people.ts')).importCommand(args, io);
      case 'export':
        return await (await import('./people.ts')).exportCommand(args, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}" (try: tapin --help)`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || isAppError(error)) {
      io.err(`tapin: ${error.message}`);
      return 2;
    }
    io.err(`tapin: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
