/**
 * The bottom area under the canvas: the sample panel and the problems panel side by side. Collapsed (the default),
 * only their header bars show, each with its count; a click on a header (not on its controls) or on the toggle opens
 * or closes the area. It opens by itself when there is something new to show: when problems appear (0 -> some), and
 * when a node with samples is selected, but then only as far as the canvas keeps 60 % of the window
 * (`bottomOpenBudget`); where that leaves less than the area's minimum it stays collapsed and the sample header shows
 * the counts. It never rearranges the other panels: the palette and the inspector stay as the user left them (a
 * palette that vanished by itself would leave nothing to drag nodes from). Once opened by the user it stays open.
 */
import { useEffect, useRef, useState, type MouseEvent, type RefObject } from 'react';
import type { PanelImperativeHandle } from 'react-resizable-panels';
import { useRun, useStudio, useTelemetry } from '../store/index';
import { BOTTOM_DEFAULT_OPEN_PX, BOTTOM_HEADER_PX, BOTTOM_MIN_OPEN_PX, bottomOpenBudget } from '../store/layout';
import { ProblemsPanel } from './ProblemsPanel';
import { SamplePanel } from './SamplePanel';

/** The number of sampled records (in + out) of the one selected node, and its id. */
function useSelectedSamples(): { nodeId: string | undefined; count: number } {
  const nodeId = useStudio((s) => {
    const selected = s.nodes.filter((n) => n.selected === true);
    return selected.length === 1 ? selected[0]!.id : undefined;
  });
  const live = useTelemetry((s) => (nodeId === undefined ? 0 : (s.samples[nodeId]?.in.length ?? 0) + (s.samples[nodeId]?.out.length ?? 0)));
  const preview = useRun((s) => {
    const node = nodeId === undefined ? undefined : s.preview?.nodes.find((n) => n.id === nodeId);
    return node === undefined ? 0 : node.in.length + node.out.length;
  });
  return { nodeId, count: Math.max(live, preview) };
}

/** The height (px) the bottom area may open to by itself, from the current sizes of the window, canvas and column. */
function budget(): number {
  const canvas = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
  const column = document.getElementById('layout-center')?.getBoundingClientRect();
  if (canvas === undefined || column === undefined) return BOTTOM_HEADER_PX;
  // The column holds the canvas, a 1 px separator and the bottom area; 2 px more for the rounding of panel sizes.
  return bottomOpenBudget({ width: window.innerWidth, height: window.innerHeight }, canvas.width, column.height - 3);
}

/** Interactive elements in a header bar keep their clicks (they do not toggle the area). */
const CONTROLS = 'button, input, select, label, a, summary';

/** The bottom area; `panel` is its panel in the center column. */
export function LayoutBottom({ panel }: { panel: RefObject<PanelImperativeHandle | null> }) {
  const [collapsed, setCollapsed] = useState(true);
  const lastOpen = useRef(BOTTOM_DEFAULT_OPEN_PX);
  const problems = useStudio((s) => s.problems.length);
  const { nodeId, count } = useSelectedSamples();

  // Follow the panel (dragged open or closed, restored from storage): poll its state on each layout change.
  useEffect(() => {
    const element = document.getElementById('panel-bottom');
    if (element === null) return;
    const observer = new ResizeObserver(() => {
      const handle = panel.current;
      if (handle === null) return;
      const isCollapsed = handle.isCollapsed();
      if (!isCollapsed) lastOpen.current = handle.getSize().inPixels;
      setCollapsed(isCollapsed);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [panel]);

  const open = (limit: number): boolean => {
    const handle = panel.current;
    if (handle === null) return false;
    const height = Math.min(lastOpen.current, limit);
    if (height < BOTTOM_MIN_OPEN_PX) return false;
    handle.resize(`${height}px`);
    return true;
  };

  // Problems (errors or warnings) appearing open the area (to its last size).
  const previousProblems = useRef(problems);
  useEffect(() => {
    if (previousProblems.current === 0 && problems > 0 && panel.current?.isCollapsed() === true) open(Number.POSITIVE_INFINITY);
    previousProblems.current = problems;
  }, [problems]);

  // Selecting a node with samples opens the area as far as the canvas keeps its share of the window (else the sample
  // header shows the counts, a click away).
  useEffect(() => {
    if (nodeId === undefined || count === 0 || panel.current?.isCollapsed() !== true) return;
    open(budget());
  }, [nodeId, count > 0]);

  const toggle = (): void => {
    const handle = panel.current;
    if (handle === null) return;
    if (handle.isCollapsed()) {
      open(Number.POSITIVE_INFINITY);
      return;
    }
    handle.collapse();
  };

  const onHeaderClick = (event: MouseEvent<HTMLDivElement>): void => {
    const target = event.target as HTMLElement;
    if (target.closest(CONTROLS) !== null) return;
    if (target.closest('.sample-bar, .problems h3') === null) return;
    toggle();
  };

  return (
    <div className={`layout-bottom${collapsed ? ' collapsed' : ''}${problems === 0 ? ' no-problems' : ''}`} data-testid="layout-bottom" data-collapsed={collapsed} onClick={onHeaderClick}>
      <div className="layout-bottom-samples">
        <SamplePanel />
      </div>
      <div className="layout-bottom-problems">
        <ProblemsPanel />
      </div>
      <button
        type="button"
        className="layout-bottom-toggle"
        onClick={toggle}
        title={collapsed ? 'Open the samples and problems' : 'Collapse the samples and problems to their headers'}
        aria-expanded={!collapsed}
        data-testid="bottom-toggle"
      >
        {collapsed ? '▴' : '▾'}
      </button>
    </div>
  );
}
