/**
 * The studio's resizable panels (react-resizable-panels): palette | (canvas over the bottom area) | inspector. Each
 * separator is dragged to resize (double-click resets it), the palette, the inspector and the bottom area collapse
 * (drag them past their minimum size; the bottom area also by a click on its header), and both groups' sizes are
 * remembered in localStorage across launches (Electron keeps it too). Defaults and ids: `store/layout.ts`.
 */
import { Group, Panel, Separator, useDefaultLayout, usePanelRef } from 'react-resizable-panels';
import { BOTTOM_HEADER_PX, BOTTOM_MIN_OPEN_PX, LAYOUT_STORAGE_IDS, PANEL_DEFAULTS } from '../store/layout';
import { Canvas } from './Canvas';
import { Inspector } from './Inspector';
import { LayoutBottom } from './LayoutBottom';
import { Palette } from './Palette';

/** localStorage, or nothing where it is not available (the layout is then not remembered). */
const storage = typeof localStorage === 'undefined' ? undefined : localStorage;

/** Canvas over the bottom area (samples, problems). */
function CenterColumn() {
  const bottom = usePanelRef();
  const { defaultLayout, onLayoutChanged } = useDefaultLayout({ id: LAYOUT_STORAGE_IDS.center, storage });
  return (
    <Group orientation="vertical" id="layout-center" className="layout-center" defaultLayout={defaultLayout} onLayoutChanged={onLayoutChanged}>
      <Panel id="panel-canvas" className="layout-canvas" minSize="30%">
        <Canvas />
      </Panel>
      <Separator id="separator-bottom" className="layout-separator" />
      <Panel
        id="panel-bottom"
        className="layout-bottom-panel"
        panelRef={bottom}
        collapsible
        collapsedSize={`${BOTTOM_HEADER_PX}px`}
        defaultSize={`${BOTTOM_HEADER_PX}px`}
        minSize={`${BOTTOM_MIN_OPEN_PX}px`}
        maxSize="70%"
      >
        <LayoutBottom panel={bottom} />
      </Panel>
    </Group>
  );
}

/** The window below the toolbar and above the status bar. */
export function Layout() {
  const { defaultLayout, onLayoutChanged } = useDefaultLayout({ id: LAYOUT_STORAGE_IDS.columns, storage });
  return (
    <Group orientation="horizontal" id="layout-columns" className="layout-columns" defaultLayout={defaultLayout} onLayoutChanged={onLayoutChanged}>
      <Panel id="panel-palette" className="layout-side" defaultSize={`${PANEL_DEFAULTS.palette}%`} minSize="120px" maxSize="35%" collapsible collapsedSize="0px">
        <Palette />
      </Panel>
      <Separator id="separator-palette" className="layout-separator" />
      <Panel id="panel-center" className="layout-center-panel" minSize="35%">
        <CenterColumn />
      </Panel>
      <Separator id="separator-inspector" className="layout-separator" />
      <Panel id="panel-inspector" className="layout-side" defaultSize={`${PANEL_DEFAULTS.inspector}%`} minSize="200px" maxSize="50%" collapsible collapsedSize="0px">
        <Inspector />
      </Panel>
    </Group>
  );
}
