/**
 * The "Edit as YAML" toggle of a structured field (routes, aggregates, headers, lists, JSON): one click swaps the
 * structured editor for the field's value as YAML text, as it stands in the flow file; text that parses is written to
 * the config as you type, text that does not shows its first error as `line:col: message` and is not written.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { parseYamlText, yamlOf } from '../../form/raw-text';

/** Props of {@link RawYamlToggle}. */
export interface RawYamlToggleProps {
  /** The field's value (set, or its default). */
  value: unknown;
  /** Called with each parsed value (undefined for empty text: the field is removed). */
  onChange: (value: unknown) => void;
  testId: string;
  disabled?: boolean | undefined;
  /** The structured editor. */
  children: ReactNode;
}

/** The structured editor with its "Edit as YAML" toggle. */
export function RawYamlToggle({ value, onChange, testId, disabled, children }: RawYamlToggleProps) {
  const [raw, setRaw] = useState(false);
  const [draft, setDraft] = useState(() => yamlOf(value));
  const [problem, setProblem] = useState<string | undefined>();
  const [focused, setFocused] = useState(false);
  useEffect(() => {
    if (!focused && problem === undefined) setDraft(yamlOf(value));
  }, [value, focused, problem]);
  return (
    <div className="structured-field">
      <div className="structured-toggle">
        <button
          type="button"
          className="link"
          aria-pressed={raw}
          data-testid={`${testId}-yaml-toggle`}
          onClick={() => {
            setDraft(yamlOf(value));
            setProblem(undefined);
            setRaw(!raw);
          }}
        >
          {raw ? 'Edit as form' : 'Edit as YAML'}
        </button>
      </div>
      {raw ? (
        <>
          <textarea
            className="raw-yaml"
            rows={Math.min(16, Math.max(3, draft.split('\n').length))}
            value={draft}
            disabled={disabled}
            spellCheck={false}
            data-testid={`${testId}-yaml`}
            onFocus={() => setFocused(true)}
            onBlur={() => setFocused(false)}
            onChange={(e) => {
              const text = e.target.value;
              setDraft(text);
              const parsed = parseYamlText(text);
              if (parsed.ok) {
                setProblem(undefined);
                onChange(parsed.value);
              } else setProblem(`${parsed.line}:${parsed.column}: ${parsed.message}`);
            }}
          />
          {problem !== undefined && (
            <div className="field-error" data-testid={`${testId}-yaml-problem`}>
              {problem} (not saved until it parses)
            </div>
          )}
        </>
      ) : (
        children
      )}
    </div>
  );
}
