/**
 * The inspector: for one selected node, a form generated from its spec's zod schema (fields shown only when they
 * apply, inline problems), its id, title and error handling, "Test connection" for node types whose spec declares
 * `connectionCheck`, topic completion for the Kafka ones and "Replay from…" on a Kafka source; with nothing selected, the flow's name, description and
 * settings.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { FlowSettingsSchema } from '../../runtime/common/flow';
import type { ConnectionTest } from '../../runtime/common/studio-api';
import { specRegistry } from '../../nodes/specs';
import { studioApi } from '../api/studio-api';
import { isFieldVisible, schemaFormFields, specFormFields, type FormField } from '../form/schema-form';
import { studioStore, useRun, useStudio } from '../store/index';
import { isWarningProblem } from '../store/problems';
import { isEditLocked, isRunActive } from '../store/run-store';
import { AttachedInstances } from './AttachedInstances';
import { DeliveryDetails } from './DeliveryBadge';
import { FieldInput } from './FieldInput';
import { ReplayDialog } from './ReplayDialog';
import { CompareFields } from './CompareFields';

const settingsFields = schemaFormFields(FlowSettingsSchema);

/** Problems of one node, grouped: by config field, and the rest. */
function useNodeProblems(nodeId: string): { byField: Map<string, string[]>; other: string[] } {
  // Warnings (a literal secret) are not field errors: the field says so itself (FieldInput).
  const problems = useStudio(useShallow((s) => s.problems.filter((p) => p.nodeId === nodeId && !isWarningProblem(p))));
  return useMemo(() => {
    const byField = new Map<string, string[]>();
    const other: string[] = [];
    for (const p of problems) {
      const m = /^config\.([A-Za-z_$][A-Za-z0-9_$-]*)(.*)$/.exec(p.path);
      if (m === null) {
        other.push(p.path === '' ? p.message : `${p.path}: ${p.message}`);
        continue;
      }
      const field = m[1] as string;
      const rest = (m[2] as string).replace(/^\./, '');
      byField.set(field, [...(byField.get(field) ?? []), rest === '' ? p.message : `${rest}: ${p.message}`]);
    }
    return { byField, other };
  }, [problems]);
}

function NodeInspector({ nodeId }: { nodeId: string }) {
  const data = useStudio((s) => s.nodes.find((n) => n.id === nodeId)?.data);
  const focus = useStudio((s) => s.focus);
  const readOnly = useRun((s) => isEditLocked(s.runState));
  const active = useRun((s) => isRunActive(s.runState));
  const { byField, other } = useNodeProblems(nodeId);
  const [idDraft, setIdDraft] = useState(nodeId);
  const [idError, setIdError] = useState<string | undefined>();
  const [test, setTest] = useState<ConnectionTest | 'testing' | undefined>();
  const [topics, setTopics] = useState<string[]>([]);
  const [replaying, setReplaying] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    setIdDraft(nodeId);
    setIdError(undefined);
    setTest(undefined);
    setReplaying(false);
  }, [nodeId]);

  useEffect(() => {
    if (focus === null || focus.nodeId !== nodeId || focus.field === undefined) return;
    const target = root.current?.querySelector<HTMLElement>(`[data-field="${CSS.escape(focus.field)}"]`);
    target?.scrollIntoView({ block: 'center' });
    // The first control of the field; a code field's control is CodeMirror's contenteditable content.
    target?.querySelector<HTMLElement>('input, textarea, select, [contenteditable="true"]')?.focus();
  }, [focus, nodeId]);

  if (data === undefined) return null;
  const spec = specRegistry.get(data.type);
  const config = data.config;
  const fields: FormField[] = spec === undefined ? [] : specFormFields(spec);
  // The service "Test connection" reaches, as the spec declares it (its runtime has the matching check).
  const kind = spec?.connectionCheck;
  const change = (field: string) => (value: unknown) => studioStore.getState().configChanged(nodeId, field, value);

  const renameCommit = (): void => {
    const reason = studioStore.getState().nodeRenamed(nodeId, idDraft.trim());
    setIdError(reason);
  };

  const testConnection = async (): Promise<void> => {
    if (kind === undefined) return;
    setTest('testing');
    try {
      setTest(await studioApi().testConnection(data.type, config));
    } catch (error) {
      setTest({ ok: false, message: (error as Error).message });
    }
  };

  const loadTopics = (): void => {
    if (kind !== 'kafka') return;
    studioApi()
      .listTopics(config)
      .then(setTopics, () => setTopics([]));
  };

  const renderField = (field: FormField, values: Record<string, unknown>, onChange: (v: unknown) => void, prefix: string) => (
    <FieldInput
      key={field.name}
      field={field}
      values={values}
      onChange={onChange}
      errors={prefix === 'field-' ? (byField.get(field.name) ?? []) : []}
      disabled={readOnly}
      testPrefix={prefix}
      {...(prefix === 'field-' && spec?.kind !== 'source' ? { nodeId } : {})}
      {...(kind === 'kafka' && (field.name === 'topic' || field.name === 'topics') ? { suggestions: { id: `topics-${nodeId}`, onFocus: loadTopics } } : {})}
    >
      {field.children?.map((child) => {
        const inner = (values[field.name] ?? {}) as Record<string, unknown>;
        return renderField(child, inner, (v) => {
          const next = { ...inner };
          if (v === undefined) delete next[child.name];
          else next[child.name] = v;
          onChange(next);
        }, `${prefix}${field.name}-`);
      })}
    </FieldInput>
  );

  return (
    <div className="inspector-body" ref={root} data-testid="inspector-node">
      <h2>
        {spec?.title ?? 'Unknown node type'} <span className="muted">{data.type}</span>
      </h2>
      {spec !== undefined && <p className="muted small">{spec.description}</p>}
      <DeliveryDetails type={data.type} config={config} />
      <CompareFields nodeId={nodeId} />
      <AttachedInstances nodeId={nodeId} />
      {other.length > 0 && (
        <ul className="node-problems" data-testid="node-problems">
          {other.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      <div className="field" data-field="id">
        <div className="field-label">
          <span className="field-name">id</span>
        </div>
        <input
          value={idDraft}
          disabled={readOnly}
          data-testid="node-id"
          onChange={(e) => setIdDraft(e.target.value)}
          onBlur={renameCommit}
          onKeyDown={(e) => e.key === 'Enter' && renameCommit()}
        />
        {idError !== undefined && <div className="field-error">{idError}</div>}
      </div>
      <div className="field" data-field="title">
        <div className="field-label">
          <span className="field-name">title</span>
        </div>
        <input
          value={data.title ?? ''}
          placeholder={nodeId}
          disabled={readOnly}
          data-testid="node-title"
          onChange={(e) => studioStore.getState().nodeEdited(nodeId, { title: e.target.value })}
        />
      </div>
      <div className="field" data-field="onError">
        <div className="field-label">
          <span className="field-name">onError</span>
        </div>
        <select
          value={data.onError}
          disabled={readOnly}
          data-testid="node-onError"
          onChange={(e) => studioStore.getState().nodeEdited(nodeId, { onError: e.target.value as 'drop' | 'stop' })}
        >
          <option value="stop">stop — end the run with the error</option>
          <option value="drop">drop — count, log and go on</option>
        </select>
        <div className="field-description">When the error port is not wired.</div>
      </div>
      <h3>Config</h3>
      {fields.filter((f) => isFieldVisible(f, fields, config)).map((f) => renderField(f, config, change(f.name), 'field-'))}
      {[...byField.keys()]
        .filter((name) => !fields.some((f) => f.name === name))
        .map((name) => (
          <div key={name} className="field field-invalid" data-field={name}>
            <div className="field-label">
              <span className="field-name">{name}</span>
            </div>
            {(byField.get(name) ?? []).map((m) => (
              <div key={m} className="field-error" data-testid={`field-error-${name}`}>
                {m}
              </div>
            ))}
            <button type="button" className="link" disabled={readOnly} onClick={() => change(name)(undefined)}>
              remove this field
            </button>
          </div>
        ))}
      {kind === 'kafka' && (
        <datalist id={`topics-${nodeId}`}>
          {topics.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      )}
      {kind !== undefined && (
        <div className="connection-test">
          <button type="button" onClick={() => void testConnection()} disabled={test === 'testing'} data-testid="test-connection">
            {test === 'testing' ? 'Testing...' : `Test ${kind === 'kafka' ? 'Kafka' : 'Redis'} connection`}
          </button>
          {test !== undefined && test !== 'testing' && (
            <div className={test.ok ? 'ok' : 'field-error'} data-testid="test-connection-result">
              {test.message}
            </div>
          )}
        </div>
      )}
      {data.type === 'source.kafka' && (
        <div className="replay-action">
          <button type="button" onClick={() => setReplaying(true)} disabled={active} data-testid="replay-open">
            Replay from…
          </button>
          {active && (
            <div className="muted small" data-testid="replay-open-reason">
              Stop the flow to replay: a consumer group&apos;s offsets move only while no run reads from it.
            </div>
          )}
        </div>
      )}
      {replaying && <ReplayDialog nodeId={nodeId} onClose={() => setReplaying(false)} />}
    </div>
  );
}

function FlowInspector() {
  const meta = useStudio((s) => s.meta);
  const readOnly = useRun((s) => isEditLocked(s.runState));
  const flowProblems = useStudio(useShallow((s) => s.problems.filter((p) => p.nodeId === undefined && /^(name|description|settings)/.test(p.path))));
  const errorsOf = (path: string): string[] => flowProblems.filter((p) => p.path === path || p.path.startsWith(`${path}.`)).map((p) => p.message);
  const settings = meta.settings as Record<string, unknown>;
  return (
    <div className="inspector-body" data-testid="inspector-flow">
      <h2>Flow</h2>
      <p className="muted small">Select a node to edit it. These are the flow&apos;s own fields.</p>
      <AttachedInstances />
      <div className={`field${errorsOf('name').length > 0 ? ' field-invalid' : ''}`} data-field="name">
        <div className="field-label">
          <span className="field-name">name</span>
          <span className="field-required">required</span>
        </div>
        <input value={meta.name} disabled={readOnly} data-testid="flow-name" onChange={(e) => studioStore.getState().metaChanged({ name: e.target.value })} />
        <div className="field-description">Flow name; also the default consumer client id.</div>
        {errorsOf('name').map((m) => (
          <div key={m} className="field-error">
            {m}
          </div>
        ))}
      </div>
      <div className="field" data-field="description">
        <div className="field-label">
          <span className="field-name">description</span>
        </div>
        <textarea
          rows={2}
          value={meta.description ?? ''}
          disabled={readOnly}
          data-testid="flow-description"
          onChange={(e) => studioStore.getState().metaChanged({ description: e.target.value === '' ? undefined : e.target.value })}
        />
      </div>
      <h3>Settings</h3>
      {settingsFields.map((field) => (
        <FieldInput
          key={field.name}
          field={field}
          values={settings}
          disabled={readOnly}
          testPrefix="setting-"
          errors={errorsOf(`settings.${field.name}`)}
          onChange={(value) => {
            const next = { ...settings };
            if (value === undefined) delete next[field.name];
            else next[field.name] = value;
            studioStore.getState().metaChanged({ settings: next });
          }}
        />
      ))}
    </div>
  );
}

/** The inspector panel. */
export function Inspector() {
  const selected = useStudio(useShallow((s) => s.nodes.filter((n) => n.selected === true).map((n) => n.id)));
  return (
    <aside className="inspector" data-testid="inspector">
      {selected.length === 1 ? (
        // Keyed by node: what a form remembers (a union's settings left for another variant) never passes to another node.
        <NodeInspector key={selected[0]} nodeId={selected[0] as string} />
      ) : selected.length > 1 ? (
        <div className="inspector-body" data-testid="inspector-multi">
          <h2>{selected.length} nodes selected</h2>
          <p className="muted">Delete, copy (Ctrl/Cmd+C) or drag them together; select one node to edit it.</p>
        </div>
      ) : (
        <FlowInspector />
      )}
    </aside>
  );
}
