/**
 * The inspector's part of a comparison: for the selected node, how it differs from the compared file, each field
 * change as `path: old → new` (values as JSON, `(unset)` for a field that is not set), or that it was added.
 */
import { formatValue } from '../../runtime/common/flow-diff';
import { useCompare } from '../store/compare-store';

/** The selected node's changes against the compared file; nothing when it has none or nothing is compared. */
export function CompareFields({ nodeId }: { nodeId: string }) {
  const label = useCompare((s) => s.comparison?.label);
  const status = useCompare((s) => s.comparison?.status[nodeId]);
  const fields = useCompare((s) => s.comparison?.fields[nodeId]);
  const previousId = useCompare((s) => s.comparison?.previousIds[nodeId]);
  if (label === undefined || status === undefined) return null;
  if (status === 'added') {
    return (
      <div className="compare-fields compare-added" data-testid="compare-fields">
        <div className="compare-fields-head">Added since the {label}</div>
      </div>
    );
  }
  return (
    <div className="compare-fields" data-testid="compare-fields">
      <div className="compare-fields-head">
        {status === 'renamed' ? `Renamed from ${previousId ?? '?'}` : 'Changed'} since the {label}
      </div>
      {fields !== undefined && fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.path} data-testid={`compare-field-${f.path}`}>
              <span className="compare-path">{f.path}</span>: <span className="compare-old">{formatValue(f.before)}</span> →{' '}
              <span className="compare-new">{formatValue(f.after)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
