/** The wire forms of users and API tokens (never a password or a token's hash). */
import { Type } from '@sinclair/typebox';
import { Instant } from './common.ts';

export const RoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('trader'), Type.Literal('viewer')]);
export const ScopeSchema = Type.Union([Type.Literal('read'), Type.Literal('trade'), Type.Literal('admin')]);

export const UserBody = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    role: RoleSchema,
    createdAt: Instant,
    disabled: Type.Boolean(),
    hasPassword: Type.Boolean(),
  },
  { $id: 'User' },
);

export const TokenBody = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Type.String(),
    scopes: Type.Array(ScopeSchema),
    createdAt: Instant,
    expiresAt: Type.Union([Instant, Type.Null()]),
    lastUsedAt: Type.Union([Instant, Type.Null()]),
    revokedAt: Type.Union([Instant, Type.Null()]),
  },
  { $id: 'ApiToken' },
);

/** A username: what the users module accepts (it says why when not). */
const Username = Type.String({ minLength: 1, maxLength: 64 });
const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const CreateUserBody = Type.Object(
  { username: Username, role: RoleSchema, password: Type.Optional(Password) },
  { additionalProperties: false },
);

export const UpdateUserBody = Type.Object(
  { role: Type.Optional(RoleSchema), password: Type.Optional(Password), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: 3, uniqueItems: true }),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
