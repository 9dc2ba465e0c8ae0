/**
 * The canvas' shared live-telemetry plumbing: the batching DOM writer of this window's telemetry store, and the
 * level-of-detail switch (zoomed out: nodes are plain boxes with their title, edges have no labels).
 */
import { createContext } from 'react';
import { telemetryStore } from '../store/index';
import { createLiveWriterHub } from '../store/live-writer';

/** Below this zoom (React Flow `transform[2]`) the canvas shows the simple level of detail. */
export const DETAIL_MIN_ZOOM = 0.45;

/** True while the canvas is zoomed out below {@link DETAIL_MIN_ZOOM}; provided by the canvas, read by nodes and edges. */
export const ZoomedOutContext = createContext(false);

/** Writes live figures of this window's telemetry store into the canvas DOM, batched per animation frame. */
export const liveWriters = createLiveWriterHub(telemetryStore);
