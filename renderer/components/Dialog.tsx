/**
 * The studio's modal dialog frame: a backdrop and a titled `role="dialog"` box (the `.modal` styles of styles.css),
 * used by every dialog (Open, Save As, Attach, Compare with file...).
 */
import type { ReactNode } from 'react';

/** A modal dialog titled `title` (also its accessible name), with `testId` as its `data-testid`. */
export function Dialog({ title, children, testId }: { title: string; children: ReactNode; testId: string }) {
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-label={title} data-testid={testId}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}
