/**
 * The HTTP app: a Fastify instance built over an open ledger, not listening (the caller listens,
 * or tests call `app.inject()`). Every route lives in routes/ and calls one application function;
 * this file only wires what every route shares: the TypeBox type provider and strict validation,
 * the error body of the catalogue, authentication and scopes, and the OpenAPI document
 * (/openapi.json, Swagger UI at /docs). Extensions (metrics, the stream, the dashboard) register
 * themselves through `plugins`.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import type { ApiContext, ApiInstance } from './api-instance.ts';
import { authenticateToken, principalForUser } from '../app/users.ts';
import { handleError, handleNotFound } from './errors.ts';
import { bearerToken, principalOf, type RouteAccess, requireScope } from './auth.ts';
import type { ActAs, Authenticate } from './principal.ts';
import { API_ROUTES } from './routes/index.ts';
import { validatorCompiler } from './validation.ts';
import { API_VERSION_PREFIX, packageVersion } from './version.ts';

export type { ApiContext, ApiInstance, Readiness } from './api-instance.ts';

export interface BuildAppOptions extends ApiContext {
  /** Resolves bearer tokens; default: the ledger's users (src/app/users.ts). */
  readonly authenticate?: Authenticate;
  /** Resolves x-botledger-user for a local token; default: the ledger's users. */
  readonly actAs?: ActAs;
  /** Fastify's logger (default off: the CLI prints its own lines). */
  readonly logger?: boolean | object;
  /** Registered after the core routes (metrics, stream, dashboard). */
  readonly plugins?: readonly ((app: ApiInstance) => Promise<void> | void)[];
  /** Largest request body in bytes; default 1 MiB. */
  readonly bodyLimit?: number;
}

/** The query schema of routes that take no query parameters. */
const NO_QUERY = { type: 'object', properties: {}, additionalProperties: false };

/** Paths anyone may read without a token: the docs and what they load. */
const PUBLIC_PREFIXES = ['/docs', '/openapi.json'];

/**
 * Builds the app; `await app.ready()` is done by inject/listen.
 *
 * @example
 * const app = await buildApp({ ledger, authenticate });
 * const answer = await app.inject({ method: 'GET', url: '/api/v1/bots', headers: { authorization: `Bearer ${token}` } });
 */
export async function buildApp(options: BuildAppOptions): Promise<ApiInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1_048_576,
    // Path ids are at most this long; longer ones are refused before routing.
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false } },
    // Errors the router raises before a route is found (a path parameter too long, a bad URL) get the same body.
    frameworkErrors: (error, request, reply) => handleError(error, request, reply),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as ApiInstance;
  app.setValidatorCompiler(validatorCompiler);
  // A query parameter no route names is refused (a misspelt filter must not silently list everything).
  app.addHook('onRoute', (route) => {
    if (route.schema && !route.schema.querystring && !route.url.startsWith('/docs'))
      route.schema = { ...route.schema, querystring: NO_QUERY };
  });
  app.decorate('api', { ledger: options.ledger, readiness: options.readiness });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  const { authenticate, actAs } = resolveAuth(options);
  app.decorate('apiAuth', { authenticate, actAs });
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const url = request.url;
    const access: RouteAccess =
      request.routeOptions.config?.access ?? (PUBLIC_PREFIXES.some((prefix) => url.startsWith(prefix)) ? 'public' : 'admin');
    if (access === 'public') return;
    request.principal = await principalOf(request, bearerToken(request), authenticate, actAs);
    requireScope(request.principal, access);
  });

  // A POST without a body (no payload, no content type) is an empty object to its schema: actions whose body is all
  // optional (cancel, stop) need none, and a route that requires fields names the first missing one.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.method !== 'GET' && request.method !== 'HEAD') request.body = {};
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'botledger API',
        version: packageVersion(),
        description:
          "Orders, bots, positions, trades and statistics of a botledger ledger. Errors: { error: { code, message, field? } } with the codes of the README's error catalogue.",
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: false } });
  app.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => app.swagger());

  for (const routes of API_ROUTES) await app.register(routes.plugin, { prefix: routes.prefix ?? API_VERSION_PREFIX });
  for (const plugin of options.plugins ?? []) await plugin(app);
  return app;
}

/** The token resolvers: given (tests of the API core), or the ledger's users. */
function resolveAuth(options: BuildAppOptions): { authenticate: Authenticate; actAs: ActAs } {
  return {
    authenticate: options.authenticate ?? ((token) => authenticateToken(options.ledger, token)),
    actAs: options.actAs ?? ((local, username) => principalForUser(options.ledger, local, username)),
  };
}
