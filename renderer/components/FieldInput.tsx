/**
 * One generated form field: the right input for its kind, its description, default, enum option descriptions, and
 * its inline problems (the compiler's messages, as `tributary validate` prints them). A secret is masked (a password
 * input with a show/hide toggle) unless it is a `${VAR}` reference. A union field (`ssl`, `startFrom`) shows a
 * segmented control of its variants, then the chosen variant's editor. Lists of objects (routes), maps of strings
 * (headers) and free-form JSON get structured editors (`fields/`), each with an "Edit as YAML" toggle.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import {
  effectiveValue,
  inputFromValue,
  isFieldVisible,
  secretDisplay,
  setChild,
  switchVariant,
  valueFromInput,
  variantMatches,
  variantOf,
  type FormField,
} from '../form/schema-form';
import { itemProblems } from '../form/list-model';
import { ExpressionEditor } from './ExpressionEditor';
import { JsonEditor } from './fields/JsonEditor';
import { ObjectListInput } from './fields/ObjectListInput';
import { RawYamlToggle } from './fields/RawYamlToggle';
import { StringMapInput } from './fields/StringMapInput';

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
  /** Only the input, without label, description and problems (the editor of a union variant). */
  bare?: boolean;
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
  // A union's default is named as its variant (`ssl`: Off).
  const variant = field.variants?.[variantOf(field, field.default)];
  if (variant?.constant !== undefined) return variant.label;
  return typeof field.default === 'string' ? field.default : JSON.stringify(field.default);
}

/** Variants shown as a segmented control up to this many; a select beyond. */
const SEGMENTS_MAX = 5;

/** Props of {@link UnionInput}. */
interface UnionInputProps {
  field: FormField;
  /** The field's effective value (set, or its default). */
  value: unknown;
  onChange: (value: unknown) => void;
  disabled?: boolean | undefined;
  testPrefix: string;
}

/**
 * A union field: which variant the value is in (a segmented control), then that variant's editor: an object's fields,
 * or a text / number input; a single value (`Off`, `latest`) has none. Switching keeps what is left (it comes back
 * when its variant is chosen again, and Undo restores it too); clicking the variant shown changes nothing.
 */
function UnionInput({ field, value, onChange, disabled, testPrefix }: UnionInputProps) {
  const variants = field.variants ?? [];
  const testId = `${testPrefix}${field.name}`;
  // The variant chosen here, while the value is the one it was chosen with (a number not typed yet, an empty object).
  const [pending, setPending] = useState<{ index: number; value: unknown }>();
  const memory = useRef(new Map<string, unknown>());
  const found = variantOf(field, value);
  const firstEditor = variants.findIndex((v) => v.editor !== undefined);
  const index =
    pending !== undefined && Object.is(pending.value, value) ? pending.index : found >= 0 ? found : value === undefined && field.required ? firstEditor : -1;
  const variant = variants[index];
  const choose = (to: number): void => {
    if (to === index) return;
    const next = switchVariant(field, value, index, to, memory.current);
    setPending({ index: to, value: next });
    onChange(next);
  };
  const edit = (next: unknown): void => {
    setPending({ index, value: next });
    onChange(next);
  };
  const editor = variant?.editor;
  let body: ReactNode = null;
  if (editor?.kind === 'object') {
    const inner = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    const children = editor.children ?? [];
    body = (
      <div className="field-object union-object" data-testid={`${testId}-editor`}>
        {children
          .filter((child) => isFieldVisible(child, children, inner))
          .map((child) => (
            <FieldInput
              key={child.name}
              field={child}
              values={inner}
              onChange={(v) => edit(setChild(inner, child.name, v))}
              errors={[]}
              disabled={disabled}
              testPrefix={`${testId}-`}
            />
          ))}
      </div>
    );
  } else if (editor !== undefined && variant !== undefined) {
    body = (
      <div className="union-editor" data-testid={`${testId}-editor`}>
        <FieldInput
          field={editor}
          values={variantMatches(variant, value) ? { [field.name]: value } : {}}
          onChange={edit}
          errors={[]}
          disabled={disabled}
          testPrefix={testPrefix}
          bare
        />
      </div>
    );
  } else if (variant === undefined && value !== undefined) {
    body = (
      <>
        <div className="field-warning">Fits none of the options: choose one, or fix the value as JSON.</div>
        <DraftTextarea rows={2} value={inputFromValue(field, value)} disabled={disabled} testId={`${testId}-json`} onCommit={(text) => onChange(valueFromInput(field, text))} />
      </>
    );
  }
  const segmented = variants.length <= SEGMENTS_MAX;
  return (
    <div className="union-input">
      {segmented ? (
        <div className="union-variants" role="radiogroup" aria-label={field.name} data-testid={`${testId}-variant`}>
          {variants.map((v, i) => (
            <button
              key={v.key}
              type="button"
              role="radio"
              aria-checked={i === index}
              className={i === index ? 'union-variant selected' : 'union-variant'}
              disabled={disabled}
              title={v.description}
              data-variant={v.key}
              onClick={() => choose(i)}
            >
              {v.label}
            </button>
          ))}
        </div>
      ) : (
        <select value={index < 0 ? '' : String(index)} disabled={disabled} data-testid={`${testId}-variant`} onChange={(e) => choose(Number(e.target.value))}>
          {index < 0 && <option value="">(choose)</option>}
          {variants.map((v, i) => (
            <option key={v.key} value={String(i)} title={v.description}>
              {v.label}
            </option>
          ))}
        </select>
      )}
      {variant?.description !== undefined && <div className="field-option-description">{variant.description}</div>}
      {body}
    </div>
  );
}

/** A generated form field. */
export function FieldInput({ field, values, onChange, errors, disabled, testPrefix = 'field-', suggestions, children, nodeId, bare }: FieldInputProps) {
  const set = Object.hasOwn(values, field.name);
  const value = effectiveValue(field, values);
  const testId = `${testPrefix}${field.name}`;
  const fallback = defaultText(field);
  const secret = secretDisplay(field, value);
  const [shown, setShown] = useState(false);
  let input: ReactNode;
  switch (field.kind) {
    case 'union':
      input = <UnionInput field={field} value={value} onChange={onChange} disabled={disabled} testPrefix={testPrefix} />;
      break;
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
    case 'object-list':
      input = (
        <RawYamlToggle value={value} onChange={onChange} testId={testId} disabled={disabled}>
          <ObjectListInput
            field={field}
            value={value}
            onChange={onChange}
            errors={errors}
            testId={testId}
            disabled={disabled}
            renderField={(child, item, change, prefix) => (
              <FieldInput field={child} values={item} onChange={change} errors={[]} disabled={disabled} testPrefix={prefix} bare {...(nodeId === undefined ? {} : { nodeId })} />
            )}
          />
        </RawYamlToggle>
      );
      break;
    case 'string-map':
      input = (
        <RawYamlToggle value={value} onChange={onChange} testId={testId} disabled={disabled}>
          <StringMapInput value={value} onChange={onChange} hasDefault={field.default !== undefined} testId={testId} disabled={disabled} />
        </RawYamlToggle>
      );
      break;
    case 'json': {
      const editor = <JsonEditor value={set ? value : undefined} onChange={onChange} testId={testId} disabled={disabled} />;
      input = bare === true ? editor : (
        <RawYamlToggle value={value} onChange={onChange} testId={testId} disabled={disabled}>
          {editor}
        </RawYamlToggle>
      );
      break;
    }
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
  if (bare === true) return input;
  // A union's editor can be long (TLS settings): its description comes before it, not after.
  const union = field.kind === 'union';
  const description = (
    <div className="field-description">
      {field.description}
      {fallback !== undefined && field.kind !== 'enum' && field.kind !== 'boolean' && <span className="field-default"> Default: {fallback}</span>}
    </div>
  );
  return (
    <div className={`field${union ? ' union-field' : ''}${errors.length > 0 ? ' field-invalid' : ''}`} data-field={field.name}>
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
      {union && description}
      {input}
      {!union && description}
      {secret.literal && (
        <div className="field-warning" data-testid={`${testId}-literal-secret`}>
          Written literally: Save offers to store it as a {'${VAR}'} reference.
        </div>
      )}
      {(field.kind === 'object-list' ? itemProblems(errors).whole : errors).map((message) => (
        <div key={message} className="field-error" data-testid={`${testPrefix}error-${field.name}`}>
          {message}
        </div>
      ))}
    </div>
  );
}
