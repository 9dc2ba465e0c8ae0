/**
 * One generated form field: the right input for its kind, its description, default, enum option descriptions, and
 * its inline problems (the compiler's messages, as `tributary validate` prints them). A secret is masked (a password
 * input with a show/hide toggle) unless it is a `${VAR}` reference.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { effectiveValue, inputFromValue, secretDisplay, valueFromInput, type FormField } from '../form/schema-form';
import { ExpressionEditor } from './ExpressionEditor';

/** Props of {@link FieldInput}. */
export interface FieldInputProps {
  field: FormField;
  /** The object the field belongs to (node config, SASL block, flow settings). */
  values: Record<string, unknown>;
  /** Sets the field; `undefined` removes it (back to its default). */
  onChange: (value: unknown) => void;
  /** Messages of the problems about this field. */
  errors: readonly string[];
  disabled?: boolean;
  /** `data-testid` prefix (`field-`). */
  testPrefix?: string;
  /** Suggestions for string fields (topic names). */
  suggestions?: { id: string; onFocus: () => void };
  /** Rendered for `object` fields (their children). */
  children?: ReactNode;
  /** For expression fields of a node with inputs: evaluate as you type on this node's sampled input, with completion. */
  nodeId?: string;
}

/** A textarea that keeps what is typed (blank lines too) while it has focus, and follows the value otherwise. */
function DraftTextarea(props: { value: string; onCommit: (text: string) => void; rows: number; className?: string; testId: string; disabled?: boolean; placeholder?: string }) {
  const [draft, setDraft] = useState(props.value);
  const [focused, setFocused] = useState(false);
  useEffect(() => {
    if (!focused) setDraft(props.value);
  }, [props.value, focused]);
  return (
    <textarea
      className={props.className}
      rows={props.rows}
      value={focused ? draft : props.value}
      placeholder={props.placeholder}
      disabled={props.disabled}
      spellCheck={false}
      data-testid={props.testId}
      onFocus={() => {
        setDraft(props.value);
        setFocused(true);
      }}
      onBlur={() => setFocused(false)}
      onChange={(e) => {
        setDraft(e.target.value);
        props.onCommit(e.target.value);
      }}
    />
  );
}

function defaultText(field: FormField): string | undefined {
  if (field.default === undefined) return undefined;
  return typeof field.default === 'string' ? field.default : JSON.stringify(field.default);
}

/** A generated form field. */
export function FieldInput({ field, values, onChange, errors, disabled, testPrefix = 'field-', suggestions, children, nodeId }: FieldInputProps) {
  const set = Object.hasOwn(values, field.name);
  const value = effectiveValue(field, values);
  const testId = `${testPrefix}${field.name}`;
  const fallback = defaultText(field);
  const secret = secretDisplay(field, value);
  const [shown, setShown] = useState(false);
  let input: ReactNode;
  switch (field.kind) {
    case 'boolean':
      input = (
        <input
          type="checkbox"
          checked={value === true}
          disabled={disabled}
          data-testid={testId}
          onChange={(e) => onChange(e.target.checked)}
        />
      );
      break;
    case 'enum': {
      const selected = field.options?.find((o) => String(o.value) === String(value));
      input = (
        <>
          <select
            value={value === undefined ? '' : String(value)}
            disabled={disabled}
            data-testid={testId}
            onChange={(e) => onChange(valueFromInput(field, e.target.value))}
          >
            {value === undefined && <option value="">(choose)</option>}
            {/* A value the options do not list (an object form such as startFrom { timestamp }) is shown as it is. */}
            {value !== undefined && selected === undefined && <option value={String(value)}>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</option>}
            {field.options?.map((o) => (
              <option key={String(o.value)} value={String(o.value)} title={o.description}>
                {String(o.value)}
                {o.description === undefined ? '' : ` — ${o.description.length > 60 ? `${o.description.slice(0, 57)}...` : o.description}`}
              </option>
            ))}
          </select>
          {selected?.description !== undefined && <div className="field-option-description">{selected.description}</div>}
        </>
      );
      break;
    }
    case 'expression':
      input = nodeId !== undefined ? (
        <ExpressionEditor
          value={set ? inputFromValue(field, value) : ''}
          placeholder={fallback}
          disabled={disabled}
          testId={testId}
          nodeId={nodeId}
          onCommit={(text) => onChange(valueFromInput(field, text))}
        />
      ) : (
        <DraftTextarea
          className="expression"
          rows={2}
          value={set ? inputFromValue(field, value) : ''}
          placeholder={fallback}
          disabled={disabled}
          testId={testId}
          onCommit={(text) => onChange(valueFromInput(field, text))}
        />
      );
      break;
    case 'string-list':
      input = (
        <DraftTextarea
          rows={Math.max(2, Array.isArray(value) ? value.length : 1)}
          value={set ? inputFromValue(field, value) : ''}
          placeholder={Array.isArray(field.default) ? field.default.join('\n') : 'one per line'}
          disabled={disabled}
          testId={testId}
          onCommit={(text) => onChange(valueFromInput(field, text))}
        />
      );
      break;
    case 'object':
      input = (
        <div className="field-object">
          <label className="field-inline">
            <input
              type="checkbox"
              checked={set}
              disabled={disabled}
              data-testid={`${testId}-enabled`}
              onChange={(e) => onChange(e.target.checked ? {} : undefined)}
            />
            use {field.name}
          </label>
          {set && children}
        </div>
      );
      break;
    default:
      if (secret.mode === 'masked') {
        input = (
          <div className="secret-input">
            <input
              type={shown ? 'text' : 'password'}
              value={set ? inputFromValue(field, value) : ''}
              placeholder={fallback ?? '${VARIABLE}'}
              disabled={disabled}
              data-testid={testId}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => onChange(valueFromInput(field, e.target.value))}
            />
            <button
              type="button"
              className="secret-toggle"
              aria-pressed={shown}
              title={shown ? 'Hide the secret' : 'Show the secret'}
              onClick={() => setShown(!shown)}
              data-testid={`${testId}-toggle`}
            >
              {shown ? 'hide' : 'show'}
            </button>
          </div>
        );
        break;
      }
      input = (
        <input
          type={field.kind === 'number' || field.kind === 'integer' ? 'text' : 'text'}
          inputMode={field.kind === 'number' || field.kind === 'integer' ? 'decimal' : undefined}
          value={set ? inputFromValue(field, value) : ''}
          placeholder={fallback}
          disabled={disabled}
          data-testid={testId}
          list={suggestions?.id}
          onFocus={suggestions?.onFocus}
          spellCheck={false}
          onChange={(e) => onChange(valueFromInput(field, e.target.value))}
        />
      );
  }
  return (
    <div className={`field${errors.length > 0 ? ' field-invalid' : ''}`} data-field={field.name}>
      <div className="field-label">
        <span className="field-name">{field.name}</span>
        {field.required && <span className="field-required">required</span>}
        {field.appliesWhen !== undefined && (
          <span className="field-applies">only for {field.appliesWhen.field} = {field.appliesWhen.values.join(' / ')}</span>
        )}
        {set && field.default !== undefined && field.kind !== 'object' && (
          <button type="button" className="link" disabled={disabled} onClick={() => onChange(undefined)} data-testid={`${testId}-reset`}>
            reset
          </button>
        )}
      </div>
      {input}
      <div className="field-description">
        {field.description}
        {fallback !== undefined && field.kind !== 'enum' && field.kind !== 'boolean' && <span className="field-default"> Default: {fallback}</span>}
      </div>
      {secret.literal && (
        <div className="field-warning" data-testid={`${testId}-literal-secret`}>
          Written literally: Save offers to store it as a {'${VAR}'} reference.
        </div>
      )}
      {errors.map((message) => (
        <div key={message} className="field-error" data-testid={`${testPrefix}error-${field.name}`}>
          {message}
        </div>
      ))}
    </div>
  );
}
