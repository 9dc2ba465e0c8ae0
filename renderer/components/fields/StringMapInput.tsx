/**
 * The editor of a map of strings (`sink.http`'s headers): one key/value row per entry, add and remove; a key that an
 * earlier row already has is flagged and not written (a map holds each key once). The value of a credential-named key
 * (`Authorization`, `X-Api-Key`) written literally is masked, as a secret field is.
 */
import { useEffect, useState } from 'react';
import { hasReference, SECRET_FIELD } from '../../../runtime/common/secrets';
import { mapFromRows, mapRows, type MapRow } from '../../form/list-model';

/** Props of {@link StringMapInput}. */
export interface StringMapInputProps {
  /** The field's value (set, or its default). */
  value: unknown;
  /** Called with the new map; `undefined` when the last row is removed and the field has a default. */
  onChange: (value: unknown) => void;
  /** Whether the field has a default to fall back to when emptied. */
  hasDefault: boolean;
  testId: string;
  disabled?: boolean | undefined;
}

/** Whether the map the rows write is `value`. */
function sameMap(rows: readonly MapRow[], value: unknown): boolean {
  return JSON.stringify(mapFromRows(rows).value) === JSON.stringify(mapFromRows(mapRows(value)).value);
}

/** The key/value rows editor. */
export function StringMapInput({ value, onChange, hasDefault, testId, disabled }: StringMapInputProps) {
  const [rows, setRows] = useState<MapRow[]>(() => mapRows(value));
  const [shown, setShown] = useState<ReadonlySet<number>>(new Set());
  // A value changed elsewhere (Undo, Edit as YAML) replaces the rows; one the rows write keeps them (and their blanks).
  useEffect(() => {
    setRows((current) => (sameMap(current, value) ? current : mapRows(value)));
  }, [value]);
  const { duplicates } = mapFromRows(rows);
  const commit = (next: MapRow[]): void => {
    setRows(next);
    const written = mapFromRows(next).value;
    onChange(Object.keys(written).length === 0 && next.length === 0 && hasDefault ? undefined : written);
  };
  const edit = (index: number, patch: Partial<MapRow>): void => commit(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <div className="map-input" data-testid={`${testId}-rows`}>
      {rows.length > 0 && (
        <div className="map-row map-head">
          <span>key</span>
          <span>value</span>
        </div>
      )}
      {rows.map((row, i) => {
        const masked = SECRET_FIELD.test(row.key) && row.value !== '' && !hasReference(row.value) && !shown.has(i);
        const duplicate = duplicates.has(i);
        return (
          <div key={i} className="map-entry" data-testid={`${testId}-row-${i}`}>
            <div className="map-row">
              <input
                value={row.key}
                placeholder="key"
                disabled={disabled}
                spellCheck={false}
                aria-invalid={duplicate}
                className={duplicate ? 'invalid' : undefined}
                data-testid={`${testId}-${i}-key`}
                onChange={(e) => edit(i, { key: e.target.value })}
              />
              <input
                type={masked ? 'password' : 'text'}
                value={row.value}
                placeholder="value"
                disabled={disabled}
                spellCheck={false}
                autoComplete="off"
                data-testid={`${testId}-${i}-value`}
                onChange={(e) => edit(i, { value: e.target.value })}
              />
              {SECRET_FIELD.test(row.key) && row.value !== '' && !hasReference(row.value) && (
                <button
                  type="button"
                  className="row-button"
                  title={masked ? 'Show the secret' : 'Hide the secret'}
                  onClick={() => setShown((s) => (s.has(i) ? new Set([...s].filter((x) => x !== i)) : new Set([...s, i])))}
                >
                  {masked ? 'show' : 'hide'}
                </button>
              )}
              <button
                type="button"
                className="row-button"
                title="Remove this entry"
                aria-label={`Remove ${row.key === '' ? 'entry' : row.key}`}
                disabled={disabled}
                data-testid={`${testId}-${i}-remove`}
                onClick={() => commit(rows.filter((_, j) => j !== i))}
              >
                ✕
              </button>
            </div>
            {duplicate && (
              <div className="field-error" data-testid={`${testId}-${i}-duplicate`}>
                duplicate key &quot;{row.key}&quot;: an earlier row has it; this row is not saved
              </div>
            )}
          </div>
        );
      })}
      <button type="button" className="add-row" disabled={disabled} data-testid={`${testId}-add`} onClick={() => setRows([...rows, { key: '', value: '' }])}>
        + Add entry
      </button>
    </div>
  );
}
