/**
 * Login, logout and who am I. Login takes a username and password, or a one-time token (the one
 * `botledger serve` prints at first start), and answers a session token; failures are rate-limited
 * by the users module (LOGIN_RATE_LIMITED) and never say whether the user exists (LOGIN_FAILED).
 */
import { Type } from '@sinclair/typebox';
import { login, logout } from '../../app/users.ts';
import { principal } from '../auth.ts';
import type { ApiInstance } from '../api-instance.ts';
import { ErrorBody } from '../schemas/common.ts';
import { UserBody } from '../schemas/users.ts';

const tags = ['auth'];

const LoginBody = Type.Union([
  Type.Object(
    { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { token: Type.String({ minLength: 1, maxLength: 512, description: 'a one-time login token, or an API token' }) },
    { additionalProperties: false },
  ),
]);

const Session = Type.Object({
  token: Type.String({ description: 'send as Authorization: Bearer <token>' }),
  expiresAt: Type.String(),
  user: UserBody,
});

export default async function authRoutes(app: ApiInstance): Promise<void> {
  const ledger = app.api.ledger;

  app.post(
    '/auth/login',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Log in: a session token for 12 hours',
        security: [],
        body: LoginBody,
        response: { 200: Session, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request) => login(ledger, request.body, { ip: request.ip }),
  );

  app.post(
    '/auth/logout',
    {
      config: { access: 'read' },
      schema: { tags, summary: 'Log out: the session token stops working', response: { 204: Type.Null(), 401: ErrorBody } },
    },
    async (request, reply) => {
      await logout(ledger, principal(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Who the token belongs to, and what it may do',
        response: {
          200: Type.Object({
            id: Type.String(),
            username: Type.String(),
            role: Type.String(),
            scopes: Type.Array(Type.String()),
            tokenKind: Type.String(),
          }),
          401: ErrorBody,
        },
      },
    },
    async (request) => {
      const who = principal(request);
      return { id: who.userId, username: who.username, role: who.role, scopes: [...who.scopes], tokenKind: who.tokenKind };
    },
  );
}
