/**
 * The wire forms of exchange accounts. Credentials are write-only: the create body takes them, no
 * answer has a field for them (an answer says only `hasCredentials`), so the serializer could not
 * send them even if a view carried them.
 */
import { Type } from '@sinclair/typebox';
import { Instant } from './common.ts';

/** A credential: printable text, never echoed back. */
const Secret = (description: string) => Type.String({ minLength: 1, maxLength: 1024, description, writeOnly: true });

export const CreateAccountBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'your name for the account' }),
    exchange: Type.String({ pattern: '^[a-z][a-z0-9]{1,39}$', description: 'a ccxt exchange id in lower case: binance, bybit, okx' }),
    sandbox: Type.Boolean({ description: "the exchange's test environment" }),
    credentials: Type.Object(
      {
        apiKey: Secret('API key'),
        secret: Secret('API secret'),
        password: Type.Optional(Secret('API passphrase (some exchanges)')),
      },
      { additionalProperties: false, description: 'stored encrypted (AES-256-GCM); never returned or logged' },
    ),
  },
  { additionalProperties: false },
);

export const AccountBody = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    exchange: Type.String(),
    sandbox: Type.Boolean(),
    shared: Type.Boolean({ description: 'the built-in paper exchange account every user trades on (cannot be deleted)' }),
    hasCredentials: Type.Boolean(),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { additionalProperties: false },
);
