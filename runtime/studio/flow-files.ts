/**
 * Flow files on disk for the studio (Node-only): `*.flow.yaml` / `*.flow.json` read and written by path (at most
 * {@link MAX_FLOW_BYTES}), each open or save recorded in the {@link StateStore} (recent files; saved files are no
 * longer external), and the demo flow of the first launch.
 */
import { access, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { MAX_FLOW_BYTES } from '../common/flow';
import { FLOW_SCHEMA_PATH } from '../common/flow-schema';
import type { FlowFile } from '../common/studio-api';
import { decodeFileText } from '../common/utf8-decode';
import { errorMessage } from './error-message';
import type { FlowWatch } from './flow-watch';
import type { StateStore } from './state-store';

/** True for `*.flow.yaml` / `*.flow.json` names. */
export function isFlowFileName(path: string): boolean {
  return /\.flow\.(yaml|json)$/i.test(path);
}

/** The format of a flow text: from the file's extension when there is a path, else JSON when it starts with `{`. */
export function flowFormat(text: string, path: string | null): 'yaml' | 'json' {
  if (path !== null) return extname(path).toLowerCase() === '.json' ? 'json' : 'yaml';
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

/** The errno code of a file system error (`ENOENT`, ...), else its message. */
function fileError(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? errorMessage(error);
}

function checkPath(path: unknown, verb: string): string {
  if (typeof path !== 'string' || path === '') throw new Error(`cannot ${verb}: give the flow file's path`);
  if (!isFlowFileName(path)) throw new Error(`cannot ${verb} ${path}: flow files are named *.flow.yaml or *.flow.json`);
  return resolve(path);
}

/** Reads and writes flow files, recording them in a state store. */
export class FlowFiles {
  /**
   * @param state where recent and known files are recorded
   * @param rootDir the repository root, which holds `examples/demo.flow.yaml` and `schema/flow.schema.json`
   * @param watch told every text read or written, so that only changes made by others are reported
   */
  constructor(
    private readonly state: StateStore,
    private readonly rootDir: string,
    private readonly watch?: FlowWatch,
  ) {}

  /**
   * Reads a flow file and puts it first in the recent files.
   * @param path a `*.flow.yaml` / `*.flow.json` path (made absolute)
   * @returns the absolute path, the text, and whether this studio never created or saved the file
   * @throws Error when the name is not a flow file's, the file cannot be read (with its errno code), or it exceeds 5 MB
   */
  async open(path: string): Promise<FlowFile> {
    const file = checkPath(path, 'open');
    let size: number;
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      size = info.size;
    } catch (error) {
      throw new Error(`cannot read ${file}: ${fileError(error)}`, { cause: error });
    }
    if (size > MAX_FLOW_BYTES) throw new Error(`cannot open ${file}: flow files are limited to 5 MB (this one is ${size} bytes)`);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new Error(`cannot read ${file}: ${fileError(error)}`, { cause: error });
    }
    const decoded = decodeFileText(bytes);
    if (!decoded.ok) {
      throw new Error(`cannot open ${file}:${decoded.line}:${decoded.column}: the flow file is not valid UTF-8 (byte ${decoded.offset}); save it as UTF-8`);
    }
    const text = decoded.text;
    const external = !(await this.state.isKnown(file));
    await this.state.remember(file, false);
    this.watch?.noteText(file, text);
    return { path: file, text, external };
  }

  /**
   * Writes a flow file atomically (temporary file + rename) and records it as recent and known. A new file gets a
   * reference to the flow JSON Schema (a `# yaml-language-server: $schema=...` first line, or a `$schema` key in JSON)
   * unless the text has one, so editors complete and check it; the path is relative to the file.
   * @param text the flow text, at most 5 MB
   * @param path a `*.flow.yaml` / `*.flow.json` path (made absolute)
   * @returns the absolute path written
   * @throws Error when the name is not a flow file's, the text is missing or too large, or the file cannot be written
   */
  async save(text: string, path: string): Promise<string> {
    const file = checkPath(path, 'save');
    if (typeof text !== 'string') throw new Error(`cannot save ${file}: the flow text is missing`);
    if (Buffer.byteLength(text) > MAX_FLOW_BYTES) throw new Error(`cannot save ${file}: flow files are limited to 5 MB`);
    if (!(await exists(file))) text = withSchemaReference(text, file, join(this.rootDir, FLOW_SCHEMA_PATH));
    const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
    try {
      await writeFile(temp, text, 'utf8');
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw new Error(`cannot write ${file}: ${fileError(error)}`, { cause: error });
    }
    await this.state.remember(file, true);
    this.watch?.noteText(file, text);
    return file;
  }

  /**
   * The demo flow (generator -> map -> filter -> console), never external.
   * @throws Error when `examples/demo.flow.yaml` cannot be read
   */
  async demo(): Promise<FlowFile> {
    const path = join(this.rootDir, 'examples', 'demo.flow.yaml');
    try {
      return { path, text: await readFile(path, 'utf8'), external: false };
    } catch (error) {
      throw new Error(`cannot read the demo flow ${path}: ${errorMessage(error)}`, { cause: error });
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The first-line comment by which the YAML language server (VS Code, ...) finds a file's JSON Schema. */
const YAML_SCHEMA_LINE = /^#\s*yaml-language-server:\s*\$schema=/m;

/**
 * `text` with a reference to the flow JSON Schema at `schemaFile`, relative to `file` (POSIX separators), unless it
 * already has one: a first comment line for YAML, a leading `$schema` key for JSON (a JSON text that does not parse is
 * left as it is).
 */
export function withSchemaReference(text: string, file: string, schemaFile: string): string {
  const reference = relative(dirname(file), schemaFile).split(sep).join('/');
  if (extname(file).toLowerCase() === '.json') {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || '$schema' in parsed) return text;
      return `${JSON.stringify({ $schema: reference, ...parsed }, null, 2)}\n`;
    } catch {
      return text;
    }
  }
  if (YAML_SCHEMA_LINE.test(text) || /^\$schema:/m.test(text)) return text;
  return `# yaml-language-server: $schema=${reference}\n${text}`;
}

