/**
 * Every error the API answers with has one body, `{ error: { code, message, field?, details? } }`,
 * and the status the error catalogue gives its code (src/app/error-catalog.ts): a client reads the
 * code, never the message. Bad requests Fastify itself refuses (a schema, JSON that does not
 * parse, a body too large, an unknown route) get codes of the catalogue too, and name the field.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { catalogEntry, ERROR_CATALOG, errorCode } from '../app/error-catalog.ts';

/** The body of every error answer. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string; readonly details?: Record<string, unknown> };
}

/** An error the API layer itself raises (authentication, scopes, request shape). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The command line's flags the application core names in its errors, as the request's fields. */
const FIELD_OF_FLAG: Readonly<Record<string, string>> = {
  '--symbol': 'symbol',
  '--ttl': 'orderTtlSeconds',
  '--id': 'id',
  '--plugin': 'pluginId',
  '--config': 'config',
  '--limit': 'limitPrice',
  '--account': 'account',
};

/** The request field an error is about, from its details (`field`, a flag, a config issue's path). */
function fieldOf(details: Record<string, unknown>): string | undefined {
  const flagField = typeof details.flag === 'string' ? FIELD_OF_FLAG[details.flag] : undefined;
  const issues = Array.isArray(details.issues) ? (details.issues as { path?: unknown }[]) : [];
  const inner =
    typeof details.field === 'string'
      ? details.field
      : Array.isArray(issues[0]?.path)
        ? (issues[0].path as unknown[]).join('.')
        : typeof issues[0]?.path === 'string'
          ? (issues[0].path as string)
          : undefined;
  if (flagField === 'config' && inner) return `config.${inner}`;
  return flagField ?? inner;
}

/** The message without the command line's flag names (`--config: x` becomes `config: x`). */
function withoutFlags(message: string): string {
  return message.replace(/--(config|symbol|ttl|id|plugin|limit|account)\b/g, (_, flag: string) => FIELD_OF_FLAG[`--${flag}`] ?? flag);
}

/** A JSON-pointer-like path of ajv (`/config/spread`) as a dotted field (`config.spread`). */
function dotted(path: string): string {
  return path.replace(/^\//, '').replace(/\//g, '.');
}

interface ValidationIssue {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/** A schema refusal (ajv) as REQUEST_INVALID naming the first field at fault. */
function validationBody(error: FastifyError & { validation?: ValidationIssue[]; validationContext?: string }): ApiErrorBody {
  const issue: ValidationIssue = error.validation?.[0] ?? {};
  const where = error.validationContext ?? 'body';
  const params = issue.params ?? {};
  const extra = typeof params.additionalProperty === 'string' ? params.additionalProperty : undefined;
  const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
  const base = dotted(issue.instancePath ?? '');
  const leaf = extra ?? missing;
  const field = [base, leaf].filter((part) => part !== undefined && part !== '').join('.') || where;
  const message = extra
    ? `${where}: unknown field "${field}"`
    : missing
      ? `${where}: "${field}" is required`
      : `${where}: "${field}" ${issue.message ?? 'is invalid'}`;
  return { error: { code: 'REQUEST_INVALID', message, field, details: { in: where, rule: issue.keyword } } };
}

/** The part of the request a framework error is about (the body, when not listed). */
const FIELD_OF_FRAMEWORK_ERROR: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'content-type',
  FST_ERR_MAX_PARAM_LENGTH: 'id',
  FST_ERR_BAD_URL: 'url',
  FST_ERR_ASYNC_CONSTRAINT: 'url',
};

/** The catalogue code for an error Fastify raised on its own (its `FST_*` codes). */
function frameworkCode(error: FastifyError): string {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'REQUEST_TOO_LARGE';
  if (error.code === 'FST_ERR_NOT_FOUND') return 'ROUTE_NOT_FOUND';
  return 'REQUEST_INVALID';
}

/** The answer for any error thrown by a route or by Fastify. */
export function errorAnswer(error: unknown): { status: number; body: ApiErrorBody } {
  const fastifyError = error as FastifyError & { validation?: ValidationIssue[] };
  if (fastifyError?.validation) return { status: 400, body: validationBody(fastifyError) };
  const code = errorCode(error);
  if (code?.startsWith('FST_') && (fastifyError.statusCode ?? 400) < 500) {
    const own = frameworkCode(fastifyError);
    const field = own === 'ROUTE_NOT_FOUND' ? undefined : (FIELD_OF_FRAMEWORK_ERROR[fastifyError.code] ?? 'body');
    return { status: ERROR_CATALOG[own].http, body: { error: { code: own, message: fastifyError.message, ...(field ? { field } : {}) } } };
  }
  if (code !== undefined && Object.hasOwn(ERROR_CATALOG, code)) {
    const details = ((error as { details?: Record<string, unknown> }).details ?? {}) as Record<string, unknown>;
    const field = fieldOf(details);
    const { flag: _flag, ...shown } = details;
    const message = withoutFlags((error as Error).message);
    return {
      status: catalogEntry(error).http,
      body: { error: { code, message, ...(field ? { field } : {}), ...(Object.keys(shown).length > 0 ? { details: shown } : {}) } },
    };
  }
  return {
    status: 500,
    body: { error: { code: 'INTERNAL_ERROR', message: 'an unexpected error; it has been logged with the request id' } },
  };
}

/** Fastify's error handler: the catalogue's status and body; 5xx are logged, never shown in detail. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = errorAnswer(error);
  if (status >= 500) request.log.error({ err: error, code: body.error.code }, 'request failed');
  void reply.status(status).send(body);
}

/** Fastify's not-found handler: ROUTE_NOT_FOUND naming the method and path. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0];
  void reply
    .status(404)
    .send({ error: { code: 'ROUTE_NOT_FOUND', message: `no route ${request.method} ${path.slice(0, 200)}` } } satisfies ApiErrorBody);
}
