/**
 * The styles of the comparison views (node highlights, ghosts of removed nodes, the compare bar, the inspector's field
 * changes, the toolbar's Compare menu), in the theme's variables. One `<style>` element, rendered once by the
 * toolbar's Compare menu (the CSP allows inline styles).
 */

const CSS = `
.flow-node.compare-added { box-shadow: 0 0 0 3px color-mix(in srgb, var(--ok) 70%, transparent), var(--shadow); }
.flow-node.compare-changed, .flow-node.compare-renamed { box-shadow: 0 0 0 3px color-mix(in srgb, var(--warn) 75%, transparent), var(--shadow); }
.compare-badge { position: absolute; top: -21px; left: 0; font-size: 10px; font-weight: 600; line-height: 16px; padding: 0 6px;
  border-radius: 8px; white-space: nowrap; max-width: 200px; overflow: hidden; text-overflow: ellipsis; color: #fff; }
.compare-badge.compare-added { background: var(--ok); }
.compare-badge.compare-changed, .compare-badge.compare-renamed { background: var(--warn); }
.compare-badge.compare-removed { background: var(--danger); }
.compare-ghost { position: absolute; width: 200px; min-height: 60px; box-sizing: border-box; border: 2px dashed var(--danger);
  border-radius: 8px; background: color-mix(in srgb, var(--danger-bg) 70%, transparent); color: var(--muted); padding: 6px 10px;
  opacity: 0.8; pointer-events: none; }
.compare-ghost .compare-ghost-title { font-weight: 600; text-decoration: line-through; color: var(--text); }
.compare-ghost .compare-ghost-type { font-size: 11px; }
.compare-bar { background: var(--panel); border: 1px solid var(--border); border-left: 4px solid var(--warn); border-radius: 8px;
  box-shadow: var(--shadow); padding: 5px 10px; max-width: min(600px, calc(100vw - 900px), 60vw); min-width: 320px; font-size: 12px; }
.compare-bar.compare-none { border-left-color: var(--ok); }
.compare-bar-head { display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
.compare-bar-head > button:last-child { margin-left: auto; padding: 1px 8px; }
.compare-bar-head strong { font-weight: 600; }
.compare-count { padding: 0 6px; border-radius: 8px; font-size: 11px; line-height: 18px; background: var(--panel-2); }
.compare-count.compare-added { color: var(--ok); }
.compare-count.compare-removed { color: var(--danger); }
.compare-count.compare-changed { color: var(--warn); }
.compare-list { margin: 6px 0 0; padding: 6px 0 0; border-top: 1px solid var(--border); list-style: none; max-height: 38vh;
  overflow: auto; font-family: var(--mono); font-size: 11.5px; }

.compare-list ul { list-style: none; margin: 0; padding: 0; }
.compare-list li { white-space: pre-wrap; word-break: break-word; padding: 1px 0; }
.compare-list li.compare-field { padding-left: 18px; color: var(--muted); }
.compare-list li.compare-added { color: var(--ok); }
.compare-list li.compare-removed { color: var(--danger); }
.compare-list button.link { font-family: inherit; font-size: inherit; padding: 0; }
.compare-fields { border: 1px solid var(--border); border-left: 4px solid var(--warn); border-radius: 6px; padding: 6px 8px; margin: 8px 0; background: var(--warn-bg); }
.compare-fields.compare-added { border-left-color: var(--ok); background: var(--panel-2); }
.compare-fields-head { margin: 0 0 4px; font-size: 12px; font-weight: 600; }
.compare-fields ul { margin: 0; padding: 0; list-style: none; }
.compare-fields li { font-size: 12px; margin: 3px 0; word-break: break-word; }
.compare-fields .compare-path { font-family: var(--mono); font-weight: 600; }
.compare-fields .compare-old { font-family: var(--mono); color: var(--danger); text-decoration: line-through; }
.compare-fields .compare-new { font-family: var(--mono); color: var(--ok); }
.compare-menu { position: relative; }
.compare-menu-list { position: absolute; top: calc(100% + 4px); left: 0; z-index: 20; display: flex; flex-direction: column; min-width: 190px;
  background: var(--panel); border: 1px solid var(--border); border-radius: 6px; box-shadow: var(--shadow); padding: 4px; }
.compare-menu-list button { text-align: left; border: 0; background: transparent; padding: 6px 8px; }
.compare-menu-list button:hover:not(:disabled) { background: var(--panel-2); }
.compare-menu > button.comparing { border-color: var(--warn); }
`;

/** The comparison styles, as one `<style>` element. */
export function CompareStyles() {
  return <style data-testid="compare-styles">{CSS}</style>;
}
