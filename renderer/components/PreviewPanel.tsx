/** The preview result: every node's input and output records from `tributary preview`. */
import { runStore, useRun } from '../store/index';

/** The preview panel (shown after Preview). */
export function PreviewPanel() {
  const preview = useRun((s) => s.preview);
  if (preview === null) return null;
  return (
    <section className="preview" data-testid="preview-panel">
      <h3>
        Preview
        <button type="button" className="link" onClick={() => runStore.getState().previewClosed()} data-testid="preview-close">
          close
        </button>
      </h3>
      {preview.error !== undefined && <div className="field-error">{preview.error}</div>}
      {preview.nodes.map((node) => (
        <details key={node.id} data-testid={`preview-node-${node.id}`}>
          <summary>
            {node.id} <span className="muted">({node.type})</span>: {node.in.length} in, {node.out.length} out
          </summary>
          <pre>{node.out.slice(0, 20).map((r) => JSON.stringify({ key: r.key, value: r.value })).join('\n')}</pre>
        </details>
      ))}
    </section>
  );
}
