/**
 * Users (admins only) and each user's own API tokens. A token is shown once, when it is made; only
 * its hash is kept. Another user's token is answered as a missing one (TOKEN_NOT_FOUND, 404).
 */
import { Type } from '@sinclair/typebox';
import {
  type ApiTokenView,
  createUser,
  deleteUser,
  findUser,
  issueApiToken,
  listApiTokens,
  listUsers,
  revokeApiToken,
  updateUser,
} from '../../app/users.ts';
import { ownerOf } from '../auth.ts';
import type { ApiInstance } from '../api-instance.ts';
import { ERROR_RESPONSES, IdParams } from '../schemas/common.ts';
import { CreateTokenBody, CreateUserBody, TokenBody, UpdateUserBody, UserBody } from '../schemas/users.ts';

/** A token view with its scopes as a plain array (the wire form). */
const tokenWire = (view: ApiTokenView) => ({ ...view, scopes: [...view.scopes] });

export default async function userRoutes(app: ApiInstance): Promise<void> {
  const ledger = app.api.ledger;
  const users = { tags: ['users'] };
  const tokens = { tags: ['tokens'] };

  app.get(
    '/users',
    {
      config: { access: 'admin' },
      schema: {
        ...users,
        summary: 'Every user (admins)',
        response: { 200: Type.Object({ items: Type.Array(UserBody) }), ...ERROR_RESPONSES },
      },
    },
    async () => ({
      items: await listUsers(ledger),
    }),
  );

  app.post(
    '/users',
    {
      config: { access: 'admin' },
      schema: { ...users, summary: 'Add a user (admins)', body: CreateUserBody, response: { 201: UserBody, ...ERROR_RESPONSES } },
    },
    async (request, reply) => reply.status(201).send(await createUser(ledger, request.body)),
  );

  app.get(
    '/users/:id',
    {
      config: { access: 'admin' },
      schema: { ...users, summary: 'A user by id or username (admins)', params: IdParams, response: { 200: UserBody, ...ERROR_RESPONSES } },
    },
    async (request) => findUser(ledger, request.params.id),
  );

  app.patch(
    '/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        ...users,
        summary: "Change a user's role, password or disabled flag (admins); a new password or disabling ends their sessions",
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: UserBody, ...ERROR_RESPONSES },
      },
    },
    async (request) => updateUser(ledger, request.params.id, request.body),
  );

  app.delete(
    '/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        ...users,
        summary: 'Delete a user who owns nothing (admins); disable one who does',
        params: IdParams,
        response: { 200: UserBody, ...ERROR_RESPONSES },
      },
    },
    async (request) => deleteUser(ledger, request.params.id),
  );

  app.get(
    '/tokens',
    {
      config: { access: 'read' },
      schema: {
        ...tokens,
        summary: 'Your API tokens (never their text)',
        response: { 200: Type.Object({ items: Type.Array(TokenBody) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => ({
      items: (await listApiTokens(ledger, ownerOf(request))).map(tokenWire),
    }),
  );

  app.post(
    '/tokens',
    {
      config: { access: 'read' },
      schema: {
        ...tokens,
        summary: 'Make a personal API token: its text is in this answer only',
        body: CreateTokenBody,
        response: { 201: Type.Object({ token: Type.String(), view: TokenBody }), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const issued = await issueApiToken(ledger, ownerOf(request), { ...request.body, kind: 'personal' });
      return reply.status(201).send({ token: issued.token, view: tokenWire(issued.view) });
    },
  );

  app.delete(
    '/tokens/:id',
    {
      config: { access: 'read' },
      schema: { ...tokens, summary: 'Revoke one of your tokens', params: IdParams, response: { 200: TokenBody, ...ERROR_RESPONSES } },
    },
    async (request) => tokenWire(await revokeApiToken(ledger, ownerOf(request), request.params.id)),
  );
}
