/**
 * Symbols in paths and query strings. A symbol is BASE/QUOTE (BTC/USDT); in a path the slash must
 * be URL-encoded (BTC%2FUSDT), so BTC-USDT is accepted as the same symbol.
 */
import { Type } from '@sinclair/typebox';

/** `:symbol` of a path: BTC-USDT or BTC%2FUSDT (decoded to BTC/USDT by the router). */
export const SymbolParams = Type.Object({
  symbol: Type.String({ pattern: '^[A-Z0-9]{1,20}[/-][A-Z0-9]{1,20}$', maxLength: 41, description: 'BTC-USDT or BTC%2FUSDT' }),
});

/**
 * The symbol as the ledger writes it.
 *
 * @example
 * symbolOf('BTC-USDT'); // 'BTC/USDT'
 */
export function symbolOf(text: string): string {
  return text.replace('-', '/');
}
