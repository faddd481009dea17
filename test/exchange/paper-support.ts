/** Shared helpers of the paper exchange tests: a fake venue clock and an event recorder. */
import { after } from 'node:test';
import type { VenueEvent } from '../../src/exchange/exchange-adapter.ts';
import { PaperExchange } from '../../src/exchange/paper/paper-exchange.ts';
import type { PaperExchangeOptions } from '../../src/exchange/paper/paper-options.ts';

export const SYMBOL = 'BTC/USDT';

/** A paper exchange on a fixed clock (reproducible timestamps) and one market at 100, closed after the test. */
export function paperExchange(options: PaperExchangeOptions = {}): PaperExchange {
  let clock = 1_700_000_000_000;
  const paper = new PaperExchange({
    now: () => (clock += 1),
    markets: { [SYMBOL]: { startPrice: '100', tickSize: '0.01', volatility: '0.01' } },
    ...options,
  });
  after(() => paper.close());
  return paper;
}

/** Records every pushed event; `summary()` gives compact lines for assertions. */
export function record(paper: PaperExchange): { events: VenueEvent[]; summary: () => string[] } {
  const events: VenueEvent[] = [];
  paper.subscribe((event) => {
    events.push(event);
  });
  return { events, summary: () => events.map(summarize) };
}

/** 'order a1 open 0', 'fill a1 0.5@100', 'disconnected', ... */
export function summarize(event: VenueEvent): string {
  switch (event.type) {
    case 'order':
      return `order ${event.report.clientOrderId} ${event.report.state} ${event.report.filledAmount}`;
    case 'fill':
      return `fill ${event.fill.clientOrderId} ${event.fill.amount}@${event.fill.price}`;
    case 'ticker':
      return `ticker ${event.ticker.last}`;
    default:
      return event.type;
  }
}

export function limitBuy(clientOrderId: string, price: string, amount = '1') {
  return { clientOrderId, symbol: SYMBOL, side: 'buy', type: 'limit', amount, price } as const;
}
