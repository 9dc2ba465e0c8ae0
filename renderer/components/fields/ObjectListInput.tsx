/**
 * The row editor of an array of small objects (`transform.route`'s routes, `transform.window`'s aggregates): one row
 * per item with an input per item field (the inspector's own field inputs, so an expression stays an expression
 * editor), add, remove, and reorder with up/down buttons or by dragging a row's handle; the compiler's problems show
 * on the row and field they are about.
 */
import { useState, type ReactNode } from 'react';
import { isFieldVisible, type FormField } from '../../form/schema-form';
import { itemProblems, moveItem, newListItem, removeItem } from '../../form/list-model';

/** Renders one item field's input (a `FieldInput` without label and description). */
export type RenderItemField = (field: FormField, item: Record<string, unknown>, onChange: (value: unknown) => void, testPrefix: string) => ReactNode;

/** Props of {@link ObjectListInput}. */
export interface ObjectListInputProps {
  field: FormField;
  /** The field's value (set, or its default). */
  value: unknown;
  /** Called with the new list; `undefined` when the last item is removed. */
  onChange: (value: unknown) => void;
  /** The field's problem messages (`[1].expression: ...` for an item's field). */
  errors: readonly string[];
  testId: string;
  disabled?: boolean | undefined;
  renderField: RenderItemField;
}

function asItem(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The row editor. */
export function ObjectListInput({ field, value, onChange, errors, testId, disabled, renderField }: ObjectListInputProps) {
  const items: unknown[] = Array.isArray(value) ? value : [];
  const fields = field.itemFields ?? [];
  const problems = itemProblems(errors);
  // Rows are keyed by position: an editor stays at its row and shows the item that moved there (the code editors
  // read their test id and extensions once, at creation).
  const [dragged, setDragged] = useState<number | undefined>();
  const [over, setOver] = useState<number | undefined>();

  const write = (list: unknown[]): void => onChange(list.length === 0 ? undefined : list);
  const move = (from: number, to: number): void => write(moveItem(items, from, to));
  const full = field.maxItems !== undefined && items.length >= field.maxItems;

  return (
    <div className="list-input" data-testid={`${testId}-rows`}>
      {items.map((raw, i) => {
        const item = asItem(raw);
        const rowProblems = problems.items.get(i);
        return (
          <div
            key={i}
            className={`list-row${dragged === i ? ' dragging' : ''}${over === i && dragged !== i ? ' drop-target' : ''}${rowProblems === undefined ? '' : ' row-invalid'}`}
            data-testid={`${testId}-row-${i}`}
            onDragOver={(e) => {
              if (dragged === undefined) return;
              e.preventDefault();
              setOver(i);
            }}
            onDragLeave={() => setOver((o) => (o === i ? undefined : o))}
            onDrop={(e) => {
              e.preventDefault();
              if (dragged !== undefined) move(dragged, i);
              setDragged(undefined);
              setOver(undefined);
            }}
          >
            <div className="list-row-head">
              <span
                className="drag-handle"
                draggable={disabled !== true}
                title="Drag to reorder"
                aria-label={`Drag item ${i + 1}`}
                data-testid={`${testId}-${i}-handle`}
                onDragStart={(e) => {
                  e.dataTransfer.effectAllowed = 'move';
                  e.dataTransfer.setData('text/plain', String(i));
                  setDragged(i);
                }}
                onDragEnd={() => {
                  setDragged(undefined);
                  setOver(undefined);
                }}
              >
                ⠿
              </span>
              <span className="list-row-index">{i + 1}</span>
              <span className="list-row-actions">
                <button type="button" className="row-button" title="Move up" aria-label={`Move item ${i + 1} up`} disabled={disabled === true || i === 0} data-testid={`${testId}-${i}-up`} onClick={() => move(i, i - 1)}>
                  ↑
                </button>
                <button
                  type="button"
                  className="row-button"
                  title="Move down"
                  aria-label={`Move item ${i + 1} down`}
                  disabled={disabled === true || i === items.length - 1}
                  data-testid={`${testId}-${i}-down`}
                  onClick={() => move(i, i + 1)}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="row-button"
                  title="Remove"
                  aria-label={`Remove item ${i + 1}`}
                  disabled={disabled}
                  data-testid={`${testId}-${i}-remove`}
                  onClick={() => write(removeItem(items, i))}
                >
                  ✕
                </button>
              </span>
            </div>
            {fields
              .filter((f) => isFieldVisible(f, fields, item))
              .map((f) => {
                const messages = rowProblems?.get(f.name) ?? [];
                return (
                  <div key={f.name} className={`list-cell${messages.length > 0 ? ' field-invalid' : ''}`} data-field={`${field.name}[${i}].${f.name}`} title={f.description}>
                    <div className="list-cell-label">
                      {f.name}
                      {f.required && <span className="field-required">required</span>}
                    </div>
                    {renderField(
                      f,
                      item,
                      (v) => {
                        const copy = { ...item };
                        if (v === undefined) delete copy[f.name];
                        else copy[f.name] = v;
                        onChange(items.map((x, j) => (j === i ? copy : x)));
                      },
                      `${testId}-${i}-`,
                    )}
                    {messages.map((m) => (
                      <div key={m} className="field-error" data-testid={`${testId}-${i}-error-${f.name}`}>
                        {m}
                      </div>
                    ))}
                  </div>
                );
              })}
            {(rowProblems?.get('') ?? []).map((m) => (
              <div key={m} className="field-error" data-testid={`${testId}-${i}-error`}>
                {m}
              </div>
            ))}
          </div>
        );
      })}
      <button
        type="button"
        className="add-row"
        disabled={disabled === true || full}
        title={full ? `At most ${field.maxItems} items` : undefined}
        data-testid={`${testId}-add`}
        onClick={() => write([...items, newListItem(fields)])}
      >
        + Add {field.name.replace(/s$/, '')}
      </button>
    </div>
  );
}
