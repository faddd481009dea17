/**
 * Which plugin a legacy trade of seed 003's trading_bot.db belongs to. The document's PART 6.1
 * maps the old `logic_type` to a plugin id; its migration script (PART 3) only touches rows whose
 * plugin_id is still NULL or 'legacy'. botledger's import follows the same rule, so a database
 * imported before its plugin_id migration and one imported after it give the same plugin ids:
 *
 * 1. a plugin_id the legacy row already carries (other than NULL, empty or 'legacy') is kept: the
 *    migration or the bot itself wrote it;
 * 2. else the user's `--map` for the row's logic_type;
 * 3. else the document's mapping (PART 6.1);
 * 4. else 'legacy' (NULL, empty and unknown logic_type values, as the document says).
 *
 * logic_type is matched after trim and lower-case, as botledger's migration of seed 003 does
 * (test/scenarios/plugin-isolation), so ` LOGIC3 ` or `Logic2` are not silently left 'legacy'.
 * The mapping is copied here rather than imported from the scenario: src/ never imports test/.
 */
import { DomainError } from '../errors.ts';

/** The plugin id of a trade no mapping claims (the document's default). */
export const LEGACY_PLUGIN_ID = 'legacy';

/** Seed 003, PART 6.1, keyed by the trimmed lower-case logic_type. */
export const SEED_003_PLUGIN_MAP: Readonly<Record<string, string>> = Object.freeze({
  'combinedlogic-1': 'v3-logic-01-5min',
  'combinedlogic-2': 'v3-logic-02-15min',
  'combinedlogic-3': 'v3-logic-03-1h',
  logic1: 'v3-logic-01-5min',
  logic2: 'v3-logic-02-15min',
  logic3: 'v3-logic-03-1h',
});

/** A plugin id botledger accepts from a `--map`: letters, digits, '.', '_' and '-', at most 100. */
const PLUGIN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** The key a logic_type is matched by: trimmed, lower-case. */
export function logicTypeKey(logicType: string): string {
  return logicType.trim().toLowerCase();
}

/**
 * Parses `--map logic_type=plugin_id,...` into a table keyed like {@link SEED_003_PLUGIN_MAP}.
 * Throws INVALID_FIELD naming `flag` for an entry without '=', an empty logic_type, a plugin id
 * botledger would not accept, or one logic_type mapped twice to different plugins.
 *
 * @example
 * parsePluginMap('manual=hand-trades, LOGIC4=v3-logic-04'); // { manual: 'hand-trades', logic4: 'v3-logic-04' }
 * parsePluginMap('LOGIC4');                                  // throws: --map entry "LOGIC4" is not logic_type=plugin_id
 */
export function parsePluginMap(value: string, flag = '--map'): Record<string, string> {
  const map: Record<string, string> = {};
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.every((entry) => entry === ''))
    throw invalid(flag, `${flag} is empty; give logic_type=plugin_id[,logic_type=plugin_id...]`, value);
  for (const entry of entries) {
    if (entry === '') continue;
    const equals = entry.indexOf('=');
    if (equals < 0) throw invalid(flag, `${flag} entry "${entry}" is not logic_type=plugin_id`, value);
    const key = logicTypeKey(entry.slice(0, equals));
    const pluginId = entry.slice(equals + 1).trim();
    if (key === '') throw invalid(flag, `${flag} entry "${entry}" has no logic_type before '='`, value);
    if (!PLUGIN_ID.test(pluginId))
      throw invalid(
        flag,
        `${flag} entry "${entry}": plugin id "${pluginId}" must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit`,
        value,
      );
    if (Object.hasOwn(map, key) && map[key] !== pluginId)
      throw invalid(flag, `${flag} maps logic_type "${key}" twice (to "${map[key]}" and "${pluginId}")`, value);
    map[key] = pluginId;
  }
  return map;
}

function invalid(flag: string, message: string, value: string): DomainError {
  return new DomainError('INVALID_FIELD', message, { field: flag, value });
}

/**
 * The plugin id of a legacy trade (the rule at the top of this file).
 *
 * @example
 * legacyPluginId({ logicType: ' LOGIC1 ' });                           // 'v3-logic-01-5min'
 * legacyPluginId({ logicType: 'manual' }, { manual: 'hand-trades' });  // 'hand-trades'
 * legacyPluginId({ logicType: 'LOGIC1', pluginId: 'v6-logic-01' });    // 'v6-logic-01' (the row's own)
 * legacyPluginId({ logicType: null });                                 // 'legacy'
 */
export function legacyPluginId(
  row: { readonly logicType: string | null; readonly pluginId?: string | null },
  overrides: Readonly<Record<string, string>> = {},
): string {
  const own = row.pluginId?.trim();
  if (own && own !== LEGACY_PLUGIN_ID) return own;
  if (row.logicType === null) return LEGACY_PLUGIN_ID;
  const key = logicTypeKey(row.logicType);
  if (key === '') return LEGACY_PLUGIN_ID;
  if (Object.hasOwn(overrides, key)) return overrides[key];
  if (Object.hasOwn(SEED_003_PLUGIN_MAP, key)) return SEED_003_PLUGIN_MAP[key];
  return LEGACY_PLUGIN_ID;
}
