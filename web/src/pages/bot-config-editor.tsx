/**
 * A bot's config as an edit form made from its plugin's schema, prefilled with the current config.
 * "Update config" asks first, then PUT /bots/:id: the API cancels the live orders (UPDATE) and
 * places new ones; the bot stays active. A refusal naming a config field shows next to it.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { type Bot, botKeys, type Plugin, updateBot } from '../api/bots.ts';
import { ConfirmButton } from '../components/feedback.tsx';
import {
  ConfigFields,
  configFromValues,
  type FieldErrors,
  type FormValues,
  fieldErrorsOf,
  fieldPaths,
  focusFirstError,
  valuesFromConfig,
} from './config-form.tsx';

const PREFIX = 'edit-bot';

export function BotConfigEditor({ bot, plugin }: { bot: Bot; plugin: Plugin }) {
  const queryClient = useQueryClient();
  const [values, setValues] = useState<FormValues>(() => valuesFromConfig(plugin.configSchema, bot.config));
  const [errors, setErrors] = useState<FieldErrors>({});
  useEffect(() => focusFirstError(PREFIX, errors), [errors]);
  const update = async () => {
    setErrors({});
    try {
      await updateBot(bot.id, configFromValues(plugin.configSchema, values));
    } catch (failure) {
      const named = fieldErrorsOf(failure);
      // A field's error goes next to the field (the dialog closes); any other stays in the dialog.
      const shown = new Set(fieldPaths(plugin.configSchema));
      if (Object.keys(named).some((field) => shown.has(field))) {
        setErrors(named);
        return;
      }
      throw failure;
    }
    await queryClient.invalidateQueries({ queryKey: botKeys.all });
  };
  return (
    <form className="bot-form panel" aria-label="config" onSubmit={(event) => event.preventDefault()}>
      {errors.config ? <span className="field-error">{errors.config}</span> : null}
      <ConfigFields schema={plugin.configSchema} values={values} onChange={setValues} errors={errors} idPrefix={PREFIX} />
      <div className="actions">
        <ConfirmButton
          label="Update config"
          title={`Update bot ${bot.id}`}
          confirmLabel="Update"
          message={
            <p>
              Its live orders are cancelled with UPDATE and its plugin places new ones from this config; the bot
              {bot.status === 'active' ? ' stays active' : ` stays ${bot.status}: nothing is placed until it is started`}.
            </p>
          }
          onConfirm={update}
        />
      </div>
    </form>
  );
}
