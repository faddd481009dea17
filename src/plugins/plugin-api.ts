/**
 * The strategy plugin API, for plugin authors: a plugin has an id (stored as plugin_id), a zod
 * config schema, and hooks (onStart, onTick, onOrderUpdate) that return commands. The contract is
 * defined in the engine, which runs plugins (src/engine/strategy-plugin.ts); this re-exports it.
 *
 * @example
 * import { type StrategyPlugin, PluginRegistry } from './plugin-api.ts';
 */
export * from '../engine/strategy-plugin.ts';
