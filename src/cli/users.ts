/**
 * `botledger users list|add|passwd|disable|enable|role|delete|token|tokens|revoke`: users, roles
 * and API tokens (src/app/users.ts) from the command line, for the admin of a ledger. Passwords
 * are read from stdin only (`--password-stdin`), never from the command line, where `ps` and the
 * shell history would keep them; a token is printed once and cannot be shown again.
 */
import { type Command, Option } from 'commander';
import { LedgerError } from '../app/ledger-error.ts';
import {
  type ApiTokenView,
  createUser,
  deleteUser,
  issueApiToken,
  listApiTokens,
  listUsers,
  revokeApiToken,
  type Role,
  type TokenScope,
  type UserView,
  updateUser,
} from '../app/users.ts';
import { checkScopes, ROLES } from '../domain/user/roles.ts';
import { type LedgerFlags, withLedger } from './ledger-context.ts';
import { printJson, reportError, shortTime, table, wholeNumber } from './ledger-output.ts';

interface PasswordFlags extends LedgerFlags {
  passwordStdin?: boolean;
}

interface AddFlags extends PasswordFlags {
  role: Role;
}

interface TokenFlags extends LedgerFlags {
  name: string;
  scopes: string;
  expiresDays?: number;
}

/**
 * The password piped on stdin: everything up to the end, without one trailing newline (what
 * `echo` and a here-string add).
 */
async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (then Enter and Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function userLine(user: UserView): string {
  return `user ${user.username} (${user.id}): ${user.role}${user.disabled ? ', disabled' : ''}, ${user.hasPassword ? 'has a password' : 'no password'}`;
}

function tokenTable(tokens: readonly ApiTokenView[]): string {
  if (tokens.length === 0) return '(no tokens)';
  return table(
    ['id', 'name', 'kind', 'scopes', 'created', 'expires', 'last used', 'revoked'],
    tokens.map((t) => [
      t.id,
      t.name,
      t.kind,
      t.scopes.join(','),
      shortTime(t.createdAt),
      shortTime(t.expiresAt),
      shortTime(t.lastUsedAt),
      shortTime(t.revokedAt),
    ]),
  );
}

/** Reads the password when asked to; refuses before anything is opened otherwise. */
async function passwordOf(flags: PasswordFlags, required: boolean): Promise<string | undefined> {
  if (!flags.passwordStdin) {
    if (required)
      throw new LedgerError('INVALID_FIELD', 'pass --password-stdin and the password on stdin (never on the command line)', {
        field: 'password',
      });
    return undefined;
  }
  return readPasswordFromStdin();
}

async function printUser(flags: LedgerFlags, work: () => Promise<UserView>): Promise<void> {
  const user = await work();
  if (flags.json) printJson({ user });
  else process.stdout.write(`${userLine(user)}\n`);
}

async function add(name: string, flags: AddFlags): Promise<void> {
  let password: string | undefined;
  try {
    password = await passwordOf(flags, false);
  } catch (error) {
    reportError(error, flags.json ?? false);
    return;
  }
  await withLedger(flags, { access: 'write' }, (ledger) =>
    printUser(flags, () => createUser(ledger, { username: name, password, role: flags.role })),
  );
}

async function passwd(name: string, flags: PasswordFlags): Promise<void> {
  let password: string | undefined;
  try {
    password = await passwordOf(flags, true);
  } catch (error) {
    reportError(error, flags.json ?? false);
    return;
  }
  await withLedger(flags, { access: 'write' }, (ledger) => printUser(flags, () => updateUser(ledger, name, { password })));
}

async function token(name: string, flags: TokenFlags): Promise<void> {
  const checked = checkScopes(flags.scopes);
  if ('problem' in checked) {
    reportError(
      new LedgerError('SCOPE_INVALID', `--scopes ${checked.problem}`, { field: 'scopes', flag: '--scopes' }),
      flags.json ?? false,
    );
    return;
  }
  await withLedger(flags, { access: 'write' }, async (ledger) => {
    const scopes: TokenScope[] = checked.scopes;
    const issued = await issueApiToken(ledger, name, { name: flags.name, scopes, expiresInDays: flags.expiresDays });
    if (flags.json) {
      printJson({ token: issued.token, apiToken: issued.view });
      return;
    }
    process.stdout.write(`${issued.token}\n`);
    const expiry = issued.view.expiresAt ? `expires ${shortTime(issued.view.expiresAt)}` : 'never expires';
    process.stderr.write(`token ${issued.view.id} for ${name} (${issued.view.scopes.join(',')}, ${expiry}): shown once, store it now\n`);
  });
}

const common = (command: Command): Command =>
  command
    .addOption(
      new Option('--db <url>', 'database URL: sqlite:<file> or postgres://... (default: $BOTLEDGER_DB, else sqlite:data/botledger.db)'),
    )
    .addOption(new Option('--migrate', 'apply pending core migrations first (with a backup)'))
    .addOption(new Option('--json', 'print one JSON document on stdout'));

const passwordOption = () => new Option('--password-stdin', 'read the password from stdin (never give it on the command line)');

/**
 * Adds `users` and its subcommands.
 *
 * @example
 * registerUserCommands(program);
 * await program.parseAsync(['node', 'botledger', 'users', 'list', '--json']);
 */
export function registerUserCommands(program: Command): Command {
  const users = program.command('users').description('users, roles and API tokens');
  common(users.command('list').description('every user')).action(async (flags: LedgerFlags) => {
    await withLedger(flags, {}, async (ledger) => {
      const all = await listUsers(ledger);
      if (flags.json) return printJson({ users: all });
      process.stdout.write(
        `${table(
          ['username', 'role', 'status', 'password', 'created', 'id'],
          all.map((u) => [
            u.username,
            u.role,
            u.disabled ? 'disabled' : 'enabled',
            u.hasPassword ? 'yes' : 'no',
            shortTime(u.createdAt),
            u.id,
          ]),
        )}\n`,
      );
    });
  });
  common(
    users
      .command('add <name>')
      .description('add a user (3 to 32 lower-case letters, digits, . _ -); without a password they log in with a token')
      .addOption(new Option('--role <role>', 'admin, trader or viewer').choices(ROLES).default('trader'))
      .addOption(passwordOption()),
  ).action(add);
  common(
    users.command('passwd <name>').description("set a user's password (read from stdin); ends their sessions").addOption(passwordOption()),
  ).action(passwd);
  common(
    users.command('disable <name>').description('disable a user: every token of theirs stops working at once (the last admin cannot be)'),
  ).action((name: string, flags: LedgerFlags) =>
    withLedger(flags, { access: 'write' }, (ledger) => printUser(flags, () => updateUser(ledger, name, { disabled: true }))),
  );
  common(users.command('enable <name>').description('enable a disabled user again')).action((name: string, flags: LedgerFlags) =>
    withLedger(flags, { access: 'write' }, (ledger) => printUser(flags, () => updateUser(ledger, name, { disabled: false }))),
  );
  common(
    users.command('role <name> <role>').description("change a user's role: admin, trader or viewer (the last admin cannot be demoted)"),
  ).action((name: string, role: string, flags: LedgerFlags) =>
    withLedger(flags, { access: 'write' }, (ledger) => printUser(flags, () => updateUser(ledger, name, { role: role as Role }))),
  );
  common(users.command('delete <name>').description('delete a user who owns nothing, and their tokens (disable the others)')).action(
    (name: string, flags: LedgerFlags) =>
      withLedger(flags, { access: 'write' }, (ledger) => printUser(flags, () => deleteUser(ledger, name))),
  );
  common(
    users
      .command('token <name>')
      .description('make an API token for a user and print it once (only its hash is kept)')
      .requiredOption('--name <name>', 'what the token is for, such as laptop or grafana')
      .requiredOption('--scopes <list>', "comma list of read, trade, admin (at most what the user's role allows)")
      .addOption(
        new Option('--expires-days <days>', 'expire after this many days (default: never)').argParser(
          wholeNumber('--expires-days', 1, 3650),
        ),
      ),
  ).action(token);
  common(users.command('tokens <name>').description("a user's tokens (never the tokens themselves)")).action(
    (name: string, flags: LedgerFlags) =>
      withLedger(flags, {}, async (ledger) => {
        const tokens = await listApiTokens(ledger, name);
        if (flags.json) printJson({ tokens });
        else process.stdout.write(`${tokenTable(tokens)}\n`);
      }),
  );
  common(users.command('revoke <name> <tokenId>').description("revoke one of a user's tokens; the next request with it is refused")).action(
    (name: string, tokenId: string, flags: LedgerFlags) =>
      withLedger(flags, { access: 'write' }, async (ledger) => {
        const revoked = await revokeApiToken(ledger, name, tokenId);
        if (flags.json) printJson({ apiToken: revoked });
        else process.stdout.write(`revoked token ${revoked.id} (${revoked.name}) of ${name}\n`);
      }),
  );
  return users;
}
