/** The app's Fastify type and what every route shares (kept apart from build-app.ts so routes do not import the factory). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { Ledger } from '../app/open-ledger.ts';
import type { ActAs, Authenticate } from './principal.ts';

/** The app's Fastify instance, typed by its TypeBox schemas. */
export type ApiInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What /readyz asks the running service. */
export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, string>>;
}

/** Everything the routes share: the ledger and, when serving, the running service. */
export interface ApiContext {
  readonly ledger: Ledger;
  /** The running service's readiness (database, venue stream, migrations); absent: the database alone is asked. */
  readonly readiness?: () => Promise<Readiness>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The ledger and service the routes act on. */
    readonly api: ApiContext;
    /** How the app resolves tokens, for what authenticates outside the request hook (the stream). */
    readonly apiAuth: { readonly authenticate: Authenticate; readonly actAs: ActAs };
  }
}
