/**
 * The process exit codes botledger documents, one per kind of failure, shared by every command
 * (the ledger's and `botledger migrate`). They live in the lowest layer so that the migration
 * engine and the application's error catalogue (src/app/error-catalog.ts) both read the same
 * numbers; which code exits with which number is the catalogue's business.
 *
 * 0 ok, 1 failed (rolled back), 2 usage or input error, 3 locked (another process holds it),
 * 4 drift or refused, 130 interrupted at a prompt by Ctrl-C (128 + SIGINT, as shells report it).
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_LOCKED = 3;
export const EXIT_REFUSED = 4;
export const EXIT_INTERRUPTED = 130;
