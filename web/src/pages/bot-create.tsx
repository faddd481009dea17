/**
 * New bot: choose a plugin, name the bot, its market and order TTL; the config's fields are made
 * from the plugin's JSON Schema and prefilled from its example config. POST /bots judges it all:
 * an answer naming a field (`id`, `symbol`, `config.entryPrice`) shows its message next to that
 * field and nothing was created; any other error shows above the button.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { botKeys, createBot, fetchPlugins, type Plugin } from '../api/bots.ts';
import { ErrorBox, Loading } from '../components/feedback.tsx';
import { PageTitle } from '../components/layout.tsx';
import { navigate, seg, useQueryState } from '../router.tsx';
import {
  ConfigFields,
  configFromValues,
  Field,
  type FieldErrors,
  type FormValues,
  fieldErrorsOf,
  fieldPaths,
  focusFirstError,
  valuesFromConfig,
} from './config-form.tsx';
import './bots.css';

const PREFIX = 'new-bot';
/** The top-level fields the API may name, besides config ones. */
const OWN_FIELDS = ['pluginId', 'id', 'symbol', 'orderTtlSeconds'];

export function BotCreatePage() {
  const plugins = useQuery({ queryKey: ['plugins'], queryFn: fetchPlugins, staleTime: 60_000 });
  const [query, setQuery] = useQueryState();
  const list = plugins.data ?? [];
  const plugin = list.find((candidate) => candidate.id === query.plugin) ?? list[0];
  return (
    <>
      <PageTitle>New bot</PageTitle>
      <ErrorBox error={plugins.error} />
      {plugins.isPending ? <Loading what="Loading plugins" /> : null}
      {plugin ? <BotForm key={plugin.id} plugins={list} plugin={plugin} onPlugin={(id) => setQuery({ plugin: id })} /> : null}
    </>
  );
}

function BotForm({ plugins, plugin, onPlugin }: { plugins: Plugin[]; plugin: Plugin; onPlugin: (id: string) => void }) {
  const queryClient = useQueryClient();
  const [id, setId] = useState('');
  const [symbol, setSymbol] = useState('BTC/USDT');
  const [ttl, setTtl] = useState('');
  const [values, setValues] = useState<FormValues>(() => valuesFromConfig(plugin.configSchema, plugin.exampleConfig));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => focusFirstError(PREFIX, errors), [errors]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      const ttlSeconds = ttl.trim() === '' ? undefined : Number(ttl);
      await createBot({
        id: id.trim(),
        pluginId: plugin.id,
        symbol: symbol.trim(),
        config: configFromValues(plugin.configSchema, values),
        ...(ttlSeconds === undefined ? {} : { orderTtlSeconds: ttlSeconds }),
      });
      await queryClient.invalidateQueries({ queryKey: botKeys.all });
      navigate(`/bots/${seg(id.trim())}`);
    } catch (failure) {
      const named = fieldErrorsOf(failure);
      // Shown next to a field only when the form has that field; anything else above the button.
      const shown = new Set([...OWN_FIELDS, ...fieldPaths(plugin.configSchema)]);
      if (Object.keys(named).some((field) => shown.has(field))) setErrors(named);
      else setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const own = (name: string) => ({ id: `${PREFIX}-${name}`, error: errors[name] });
  return (
    <form className="bot-form panel" onSubmit={submit} aria-label="new bot">
      <Field {...own('pluginId')} label="Plugin" required hint={plugin.description}>
        {(aria) => (
          <select {...aria} name="pluginId" value={plugin.id} onChange={(event) => onPlugin(event.target.value)}>
            {plugins.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.id}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field {...own('id')} label="Bot id" required hint="Your name for the bot: up to 16 letters, digits, - and _">
        {(aria) => (
          <input
            {...aria}
            name="id"
            required
            autoComplete="off"
            spellCheck={false}
            value={id}
            onChange={(event) => setId(event.target.value)}
          />
        )}
      </Field>
      <Field {...own('symbol')} label="Symbol" required hint="The market, BASE/QUOTE, such as BTC/USDT">
        {(aria) => (
          <input
            {...aria}
            name="symbol"
            required
            autoComplete="off"
            spellCheck={false}
            value={symbol}
            onChange={(event) => setSymbol(event.target.value)}
          />
        )}
      </Field>
      <Field
        {...own('orderTtlSeconds')}
        label="Order TTL (seconds)"
        hint="How long a failed order is retried before it expires; empty: one day"
      >
        {(aria) => (
          <input {...aria} name="orderTtlSeconds" type="number" step={1} value={ttl} onChange={(event) => setTtl(event.target.value)} />
        )}
      </Field>
      <fieldset>
        <legend>Config of {plugin.id}</legend>
        {errors.config ? <span className="field-error">{errors.config}</span> : null}
        <ConfigFields schema={plugin.configSchema} values={values} onChange={setValues} errors={errors} idPrefix={PREFIX} />
      </fieldset>
      <ErrorBox error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create bot'}
        </button>
      </div>
    </form>
  );
}
