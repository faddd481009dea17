/** The wire forms of sync status and of a sync report. */
import { Type } from '@sinclair/typebox';
import { Instant } from './common.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const SyncStatusBody = Type.Object(
  {
    exchangeAccountId: Type.String(),
    lastSyncAt: Nullable(Instant),
    positionsSynced: Type.Integer(),
    discrepanciesFound: Type.Integer(),
    discrepanciesFixed: Type.Integer(),
    status: Type.String({ description: 'ok, mismatch, error, running' }),
    error: Type.Union([Type.String(), Type.Null()], { description: 'the whole error of the last failed sync' }),
    updatedAt: Instant,
  },
  { additionalProperties: false },
);

export const AccountSyncBody = Type.Object(
  {
    accountId: Type.String(),
    name: Type.String(),
    exchange: Type.String(),
    sync: Type.Union([SyncStatusBody, Type.Null()], { description: 'null: never synced' }),
  },
  { additionalProperties: false },
);

const DiscrepancyBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('order'), Type.Literal('position')]),
    symbol: Type.String(),
    orderId: Type.Optional(Type.String()),
    clientOrderId: Type.Optional(Type.String()),
    botId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    ledgerSize: Type.Optional(Type.String()),
    venueSize: Type.Optional(Type.String()),
    ledgerSizeNow: Type.Optional(Type.String()),
    venueSizeNow: Type.Optional(Type.String()),
    explanation: Type.String({ description: 'one sentence: what differed and what sync did' }),
    fixed: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const SyncReportBody = Type.Object(
  {
    accountId: Type.String(),
    venue: Type.String(),
    startedAt: Instant,
    finishedAt: Instant,
    status: Type.Union([Type.Literal('ok'), Type.Literal('mismatch'), Type.Literal('error')]),
    positionsSynced: Type.Integer(),
    positionsMismatched: Type.Integer(),
    ordersAtVenue: Type.Integer(),
    fillsAtVenue: Type.Optional(Type.Integer()),
    fillsSince: Instant,
    discrepanciesFound: Type.Integer(),
    discrepanciesFixed: Type.Integer(),
    discrepancies: Type.Array(DiscrepancyBody),
    notes: Type.Array(Type.String()),
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const SyncNowBody = Type.Object(
  {
    account: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: "the exchange account to sync (default: the ledger venue's account)" }),
    ),
  },
  { additionalProperties: false },
);
