/**
 * Picks the StudioApi transport: Electron's preload exposes `window.tributary`; otherwise (browser mode, served by
 * `tributary studio`) a WebSocket to the server that served the page.
 */
import type { StudioApi } from '../../runtime/common/studio-api';
import { createWsTransport, studioSocketUrl } from './ws-transport';

declare global {
  interface Window {
    /** Set by Electron's preload script. */
    tributary?: StudioApi;
  }
}

/** Listeners of the browser connection state (always connected in Electron). */
const connectionListeners = new Set<(connected: boolean) => void>();
let connected = true;

/** Subscribes to the connection state of the transport. */
export function onConnectionChange(listener: (connected: boolean) => void): () => void {
  connectionListeners.add(listener);
  listener(connected);
  return () => connectionListeners.delete(listener);
}

/** The transport for this window (created on first use). */
export function studioApi(): StudioApi {
  if (api === undefined) {
    if (window.tributary !== undefined) api = window.tributary;
    else {
      connected = false;
      api = createWsTransport({
        url: studioSocketUrl(window.location),
        onConnectionChange: (up) => {
          connected = up;
          for (const l of connectionListeners) l(up);
        },
      });
    }
  }
  return api;
}

let api: StudioApi | undefined;
