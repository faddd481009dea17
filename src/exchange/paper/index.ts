/** The paper exchange: botledger's built-in simulated venue. See README.md in this folder. */
export { PaperExchange, paperExchangeFile } from './paper-exchange.ts';
export { BYBIT_STOP_REJECTION, PaperControl, PaperControlError } from './paper-control.ts';
export { StreamReentryError, type EventStreamStats, type ListenerFailure } from './event-stream.ts';
export type { EventFault, PaperOperation, RequestFault } from './faults.ts';
export { RET_CODES } from './venue-payloads.ts';
export * from './paper-options.ts';
export { PaperLedgerMismatchError, PaperStateInUseError } from './paper-store.ts';
