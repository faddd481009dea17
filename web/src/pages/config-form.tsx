/**
 * A plugin's config as form fields, generated from its JSON Schema (GET /plugins): strings and
 * decimal strings as text inputs, numbers and integers as number inputs, booleans as checkboxes,
 * enums as selects, nested objects as fieldsets; anything else as JSON text. Required fields are
 * marked, descriptions are hints. The form does not judge values: the API does, and its error
 * (`field: config.entryPrice`) is shown next to the field it names.
 */
import { type ReactNode, useId } from 'react';
import { ApiError } from '../api/client.ts';
import type { JsonSchema } from '../api/bots.ts';

/** What the inputs hold: text, a checkbox, or a nested object's fields. */
export type FormValue = string | boolean | FormValues;
export interface FormValues {
  [key: string]: FormValue;
}

/** Field path (`config.entryPrice`, `id`) -> the API's message about it. */
export type FieldErrors = Record<string, string>;

type Kind = 'text' | 'number' | 'integer' | 'boolean' | 'enum' | 'object' | 'json';

function kindOf(schema: JsonSchema): Kind {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return 'enum';
  const type = Array.isArray(schema.type) ? schema.type.find((candidate) => candidate !== 'null') : schema.type;
  if (type === 'string') return 'text';
  if (type === 'number') return 'number';
  if (type === 'integer') return 'integer';
  if (type === 'boolean') return 'boolean';
  if (type === 'object' && schema.properties) return 'object';
  return 'json';
}

/** The form's values for a config (the example config, or the bot's current one); defaults fill gaps. */
export function valuesFromConfig(schema: JsonSchema, config: unknown): FormValues {
  const source = config && typeof config === 'object' ? (config as Record<string, unknown>) : {};
  const values: FormValues = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const value = name in source ? source[name] : property.default;
    const kind = kindOf(property);
    if (kind === 'object') values[name] = valuesFromConfig(property, value);
    else if (kind === 'boolean') values[name] = value === true;
    else if (kind === 'json') values[name] = value === undefined ? '' : JSON.stringify(value);
    else values[name] = value === undefined || value === null ? '' : String(value);
  }
  return values;
}

/**
 * The config the form's values make. An empty optional field is left out (its default applies);
 * text that is not what the schema's type wants is sent as typed, for the API to name the field.
 */
export function configFromValues(schema: JsonSchema, values: FormValues): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const value = values[name];
    const kind = kindOf(property);
    if (kind === 'object') {
      config[name] = configFromValues(property, (value as FormValues) ?? {});
      continue;
    }
    if (kind === 'boolean') {
      config[name] = value === true;
      continue;
    }
    const text = typeof value === 'string' ? value : '';
    if (text === '' && !(schema.required ?? []).includes(name)) continue;
    if (kind === 'number' || kind === 'integer') config[name] = text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    else if (kind === 'enum') config[name] = property.enum?.find((option) => String(option) === text) ?? text;
    else if (kind === 'json') config[name] = parseOrText(text);
    else config[name] = text;
  }
  return config;
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The field errors an API error names: its `field`, and for a config every issue it lists
 * (`details.issues[].path`), so each wrong config field shows its own message. Empty when the
 * error names no field.
 */
export function fieldErrorsOf(error: unknown): FieldErrors {
  if (!(error instanceof ApiError) || !error.field) return {};
  const errors: FieldErrors = { [error.field]: error.message };
  const issues = Array.isArray(error.details?.issues) ? (error.details.issues as { path?: unknown; message?: unknown }[]) : [];
  for (const issue of issues) {
    const path = Array.isArray(issue.path) ? issue.path.join('.') : typeof issue.path === 'string' ? issue.path : '';
    if (path && typeof issue.message === 'string') errors[`config.${path}`] ??= issue.message;
  }
  // The first issue's own words beat the whole message ("config for plugin ... is invalid: ...").
  const first = issues[0];
  if (error.field.startsWith('config.') && typeof first?.message === 'string') errors[error.field] = first.message;
  return errors;
}

/** Every field path the form shows for a schema (`config`, `config.entryPrice`, nested ones too). */
export function fieldPaths(schema: JsonSchema, path = 'config'): string[] {
  return [
    path,
    ...Object.entries(schema.properties ?? {}).flatMap(([name, property]) =>
      kindOf(property) === 'object' ? fieldPaths(property, `${path}.${name}`) : [`${path}.${name}`],
    ),
  ];
}

/** The element id of a field's input, from its path (for focusing the first wrong one). */
export const inputId = (prefix: string, path: string) => `${prefix}-${path.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** A labelled input with its hint and the API's error, wired by aria-describedby. */
export function Field({
  id,
  label,
  required,
  hint,
  error,
  children,
  inline = false,
}: {
  id: string;
  label: string;
  required?: boolean;
  hint?: string;
  error?: string;
  children: (aria: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string; 'aria-required'?: boolean }) => ReactNode;
  inline?: boolean;
}) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [error ? errorId : '', hint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  const input = children({
    id,
    'aria-invalid': Boolean(error),
    'aria-describedby': describedBy,
    ...(required ? { 'aria-required': true } : {}),
  });
  return (
    <div className={`field ${inline ? 'inline' : ''} ${error ? 'invalid' : ''}`}>
      <label htmlFor={id}>
        {inline ? input : null}
        <span>
          {label}
          {required ? (
            <span className="required" title="required">
              {' '}
              *
            </span>
          ) : null}
        </span>
      </label>
      {inline ? null : input}
      {error ? (
        <span id={errorId} className="field-error" role="alert">
          {error}
        </span>
      ) : null}
      {hint ? (
        <small id={hintId} className="muted hint">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

/** The fields of an object schema; `path` is the API's name of the object (`config`). */
export function ConfigFields({
  schema,
  values,
  onChange,
  errors,
  path = 'config',
  idPrefix,
}: {
  schema: JsonSchema;
  values: FormValues;
  onChange: (values: FormValues) => void;
  errors: FieldErrors;
  path?: string;
  idPrefix?: string;
}) {
  const generated = useId();
  const prefix = idPrefix ?? generated.replace(/:/g, '');
  const required = new Set(schema.required ?? []);
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, property]) => {
        const fieldPath = `${path}.${name}`;
        const id = inputId(prefix, fieldPath);
        const kind = kindOf(property);
        const value = values[name];
        const set = (next: FormValue) => onChange({ ...values, [name]: next });
        const label = property.title ?? name;
        const hint = property.description;
        const error = errors[fieldPath];
        if (kind === 'object') {
          return (
            <fieldset key={name} className="config-group">
              <legend>
                {label}
                {required.has(name) ? <span className="required"> *</span> : null}
              </legend>
              {hint ? <p className="muted hint">{hint}</p> : null}
              {error ? <span className="field-error">{error}</span> : null}
              <ConfigFields
                schema={property}
                values={(value as FormValues) ?? {}}
                onChange={set}
                errors={errors}
                path={fieldPath}
                idPrefix={prefix}
              />
            </fieldset>
          );
        }
        return (
          <Field key={name} id={id} label={label} required={required.has(name)} hint={hint} error={error} inline={kind === 'boolean'}>
            {(aria) => input(kind, property, value, set, aria, fieldPath)}
          </Field>
        );
      })}
    </>
  );
}

function input(kind: Kind, schema: JsonSchema, value: FormValue | undefined, set: (next: FormValue) => void, aria: object, name: string) {
  const text = typeof value === 'string' ? value : '';
  switch (kind) {
    case 'boolean':
      return <input {...aria} name={name} type="checkbox" checked={value === true} onChange={(event) => set(event.target.checked)} />;
    case 'enum':
      return (
        <select {...aria} name={name} value={text} onChange={(event) => set(event.target.value)}>
          <option value="">—</option>
          {(schema.enum ?? []).map((option) => (
            <option key={String(option)} value={String(option)}>
              {String(option)}
            </option>
          ))}
        </select>
      );
    case 'number':
    case 'integer':
      return (
        <input
          {...aria}
          name={name}
          type="number"
          step={kind === 'integer' ? 1 : 'any'}
          value={text}
          onChange={(event) => set(event.target.value)}
        />
      );
    case 'json':
      return <textarea {...aria} name={name} rows={3} spellCheck={false} value={text} onChange={(event) => set(event.target.value)} />;
    default:
      // Decimal strings stay text (exact, never a float); inputMode brings a number keypad on phones.
      return (
        <input
          {...aria}
          name={name}
          type="text"
          inputMode={schema.pattern && /\[0-9\]/.test(schema.pattern) ? 'decimal' : undefined}
          autoComplete="off"
          value={text}
          onChange={(event) => set(event.target.value)}
        />
      );
  }
}

/** Moves focus to the first field an error names, so a keyboard user lands on what to fix. */
export function focusFirstError(prefix: string, errors: FieldErrors): void {
  const first = Object.keys(errors)[0];
  if (!first) return;
  requestAnimationFrame(() => document.getElementById(inputId(prefix, first))?.focus());
}
