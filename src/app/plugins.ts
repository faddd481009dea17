/**
 * The strategy plugins a ledger runs, described for people writing a bot's config (the dashboard
 * generates its form from this): each plugin's id, description, its config as a JSON Schema (made
 * from the plugin's zod schema, the one that checks configs, so the two cannot drift) and an
 * example config that passes it.
 */
import { z } from 'zod';
import type { Ledger } from './open-ledger.ts';

/** One plugin as GET /plugins shows it. */
export interface PluginView {
  readonly id: string;
  readonly description: string;
  /** JSON Schema (draft 2020-12) of the config a bot of this plugin takes, as input (defaults may be left out). */
  readonly configSchema: Record<string, unknown>;
  readonly exampleConfig: unknown;
}

/**
 * Every plugin of the ledger, by id.
 *
 * @example
 * listPlugins(ledger)[0].configSchema.properties.entryPrice; // { type: 'string' }
 */
export function listPlugins(ledger: Pick<Ledger, 'plugins'>): PluginView[] {
  return ledger.plugins
    .ids()
    .sort()
    .map((id) => {
      const plugin = ledger.plugins.get(id);
      // 'input': what a person writes (a field with a default is optional); refinements are not expressible and are dropped.
      const configSchema = z.toJSONSchema(plugin.configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      return { id, description: plugin.description, configSchema, exampleConfig: plugin.exampleConfig ?? null };
    });
}
