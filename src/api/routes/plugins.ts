/** GET /plugins: each strategy plugin with its config's JSON Schema and an example, for a dashboard's form. */
import { Type } from '@sinclair/typebox';
import { listPlugins } from '../../app/plugins.ts';
import type { ApiInstance } from '../api-instance.ts';
import { ERROR_RESPONSES } from '../schemas/common.ts';

const PluginBody = Type.Object({
  id: Type.String(),
  description: Type.String(),
  configSchema: Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema (2020-12) of the config, as written' }),
  exampleConfig: Type.Unknown({ description: 'a config that passes the schema (null: none given)' }),
});

export default async function pluginRoutes(app: ApiInstance): Promise<void> {
  app.get(
    '/plugins',
    {
      config: { access: 'read' },
      schema: {
        tags: ['plugins'],
        summary: "The strategy plugins: id, description, the config's JSON Schema and an example config",
        response: { 200: Type.Object({ items: Type.Array(PluginBody) }), ...ERROR_RESPONSES },
      },
    },
    async () => ({ items: listPlugins(app.api.ledger) }),
  );
}
