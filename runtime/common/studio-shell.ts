/**
 * The declaration of what the Electron shell adds to the studio API on `window.tributary` (see `studio-menu.ts` for
 * the command and document types): menu commands pushed to the renderer, and the renderer's document state reported
 * to the shell. The preload bridge and Electron main derive their channels and functions from it as they do from
 * `STUDIO_OPERATIONS` (`studio-api.ts`). Browser mode has neither. Browser-safe.
 */
import * as z from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import { event, notice, type ApiOf } from './api-declaration';
import type { DocumentState, MenuCommand } from './studio-menu';

/**
 * A reported document state, normalized: `dirty` is true only when it is `true`, `path` a string or null; anything
 * that is not an object counts as a clean new flow.
 */
const documentState = z.catch(
  z.object({
    dirty: z.pipe(z.unknown(), z.transform((dirty) => dirty === true)),
    path: z.pipe(z.unknown(), z.transform((path) => (typeof path === 'string' ? path : null))),
  }),
  { dirty: false, path: null },
) satisfies $ZodType<DocumentState, unknown>;

/** The Electron shell's members of `window.tributary`. */
export const SHELL_OPERATIONS = {
  /** Menu commands for the renderer to carry out; returns a function that stops listening. */
  onMenu: event<MenuCommand>({ droppable: false }),
  /** Reports the document's state, so that closing the window asks about unsaved changes. */
  setDocumentState: notice<[state: DocumentState]>([documentState]),
} as const;

/** The shell's functions on `window.tributary` (next to the `STUDIO_OPERATIONS` (`studio-api.ts`) ones). */
export type StudioShellApi = ApiOf<typeof SHELL_OPERATIONS>;
