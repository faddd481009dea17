/**
 * Exchange accounts: list (yours and the shared paper account), create, delete. Credentials are
 * write-only: stored encrypted by the application core (src/app/accounts.ts), never in an answer
 * (the response schema has no field for them) and never logged (Fastify logs no bodies; the error
 * messages of a bad body name the field, never its value).
 */
import { Type } from '@sinclair/typebox';
import { createAccount, deleteAccount, listAccounts } from '../../app/accounts.ts';
import { ownerOf } from '../auth.ts';
import type { ApiInstance } from '../api-instance.ts';
import { AccountBody, CreateAccountBody } from '../schemas/accounts.ts';
import { ERROR_RESPONSES, IdParams } from '../schemas/common.ts';

const tags = ['accounts'];

export default async function accountRoutes(app: ApiInstance): Promise<void> {
  const ledger = app.api.ledger;

  app.get(
    '/accounts',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Your exchange accounts and the shared paper exchange account, by id (never their credentials)',
        response: { 200: Type.Object({ items: Type.Array(AccountBody) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => ({ items: await listAccounts(ledger, { owner: ownerOf(request) }) }),
  );

  app.post(
    '/accounts',
    {
      config: { access: 'trade' },
      schema: {
        tags,
        summary: 'Add an exchange account; its credentials are stored encrypted and never shown again',
        body: CreateAccountBody,
        response: { 201: AccountBody, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { name, exchange, sandbox, credentials } = request.body;
      const view = await createAccount(ledger, { owner: ownerOf(request), name, exchange, sandbox, credentials });
      return reply.status(201).send(view);
    },
  );

  app.delete(
    '/accounts/:id',
    {
      config: { access: 'trade' },
      schema: {
        tags,
        summary: 'Delete an exchange account no bot or position uses (the shared paper account cannot be deleted)',
        params: IdParams,
        response: { 200: AccountBody, ...ERROR_RESPONSES },
      },
    },
    async (request) => deleteAccount(ledger, request.params.id, { owner: ownerOf(request) }),
  );
}
