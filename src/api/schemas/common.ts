/**
 * Schemas every route group shares: the error body, paging, ids and the wire forms of money and
 * instants. Money is a decimal string exactly as stored (never a JSON number, which would round);
 * instants are ISO-8601 UTC strings.
 */
import { type TSchema, Type } from '@sinclair/typebox';

/** `{ error: { code, message, field?, details? } }`, the body of every error answer. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: "a code of the README's error catalogue" }),
      message: Type.String(),
      field: Type.Optional(Type.String({ description: 'the request field at fault, dotted (config.spread)' })),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'ErrorBody' },
);

/** A decimal amount or price as text: up to 18 places, no exponent. */
export const Decimal = Type.String({
  pattern: '^-?[0-9]{1,20}(\\.[0-9]{1,18})?$',
  maxLength: 40,
  description: 'a decimal number as text, up to 18 places',
});

/** An instant as ISO-8601 text. */
export const Instant = Type.String({ description: 'ISO-8601, UTC' });

/** An id in a path: printable, no spaces, at most 128 characters. */
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:/-]+$' }) });

/** `?limit=&cursor=` of keyset-paged lists. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'rows per page (default 50)' })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page' })),
};

/** A page of items and the cursor of the next page (null on the last). */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

/** The error answers most routes can give, for the OpenAPI document. */
export const ERROR_RESPONSES = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
} as const;
