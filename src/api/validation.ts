/**
 * Request validation. Bodies are checked strictly: a wrong type is refused, never coerced
 * (`"5"` is not 5, `null` is not `""`), and a field the schema does not name is refused, not
 * dropped, so a typo in a field name is an error instead of a silently ignored setting. Query
 * strings and path parameters are text on the wire, so numbers and booleans there are coerced.
 */
import { Ajv, type Options } from 'ajv';
import formats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const COMMON: Options = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false };

function withFormats(ajv: Ajv): Ajv {
  // ajv-formats is CommonJS: its function is the module itself or its `default`, depending on the loader.
  const module = formats as unknown as { default?: (ajv: Ajv) => Ajv } & ((ajv: Ajv) => Ajv);
  (module.default ?? module)(ajv);
  return ajv;
}

const strictAjv = withFormats(new Ajv({ ...COMMON, coerceTypes: false }));
const coercingAjv = withFormats(new Ajv({ ...COMMON, coerceTypes: 'array' }));

/** Fastify's validator compiler: strict for bodies, coercing for query strings, params and headers. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strictAjv : coercingAjv;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};
