/**
 * `tributary diff A B`: the semantic diff of two flow files (`runtime/common/flow-diff.ts`), also usable by git as an
 * external diff driver (`diff.tributary.command`, 7 or 9 arguments) and as a textconv filter
 * (`tributary diff --textconv FILE`). Set up in docs/flow-diff.md.
 *
 * Files are read as the studio reads them: parsed and checked against the flow file schema with `${VAR}` references
 * kept (the environment is not needed to compare two files); node configs are not compiled, so a work-in-progress
 * flow can still be compared. A file that does not parse is refused with one line per problem, as `validate` prints
 * them.
 */
import { Command, Option } from 'commander';
import { FlowProblemsError, formatProblems } from './common/errors';
import type { Flow } from './common/flow';
import { diffFlows, flowLines, formatFlowDiff, isEmptyDiff } from './common/flow-diff';
import { parseFlowText } from './common/flow-loader';
import { readFlowFileText } from './flow-file-read';

/** Exit codes of `tributary diff`, as diff(1): 0 no change, 1 changes, 2 trouble (a file refused, bad usage). */
export const DiffExitCode = { same: 0, different: 1, trouble: 2 } as const;

/** The path git gives for the missing side of an added or deleted file. */
const NULL_FILE = '/dev/null';

/** A flow file that could not be read or parsed: the lines to print, one per problem. */
class RefusedFlowError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

/**
 * The flow of an added or deleted file's missing side: the other side's name, description and settings (so that
 * only its nodes and edges are listed), no nodes, no edges.
 */
function nothing(other: Flow): Flow {
  return { ...other, nodes: [], edges: [], layout: {} };
}

/**
 * Reads and parses one flow file (`${VAR}` references kept, no compilation).
 * @returns the flow and the file's text
 * @param file the path to read
 * @param label the name the problem lines give the file (the repository path when git passes a temporary file)
 * @throws RefusedFlowError with one `file:line:col: ...` line per problem
 */
export async function readFlowForDiff(file: string, label = file): Promise<{ flow: Flow; text: string }> {
  let text: string;
  try {
    text = await readFlowFileText(file);
  } catch (error) {
    if (error instanceof FlowProblemsError) throw new RefusedFlowError(formatProblems(error.problems, label));
    throw error;
  }
  const parsed = parseFlowText(text, { fileName: label, env: {}, substitute: false });
  if (!parsed.ok) throw new RefusedFlowError(formatProblems(parsed.problems, label));
  return { flow: parsed.flow, text };
}

/** One side of a comparison: the file to read and the name to show. */
interface Side {
  file: string;
  label: string;
}

/**
 * The lines of the diff of two files: `--- old` / `+++ new` headers and the change list; a note when the files differ
 * only in formatting or comments; nothing when they are the same.
 * @returns the lines and whether any change was found
 * @throws RefusedFlowError when a file is refused (the problems of both files, old first)
 */
export async function diffFiles(before: Side, after: Side): Promise<{ lines: string[]; changed: boolean }> {
  const read = async (side: Side): Promise<{ flow: Flow; text: string } | string[]> => {
    if (side.file === NULL_FILE) return [];
    try {
      return await readFlowForDiff(side.file, side.label);
    } catch (error) {
      if (error instanceof RefusedFlowError) return error.lines;
      throw error;
    }
  };
  const [a, b] = [await read(before), await read(after)];
  const refused = [...(Array.isArray(a) ? a : []), ...(Array.isArray(b) ? b : [])];
  if (refused.length > 0) throw new RefusedFlowError(refused);
  // Both sides missing cannot happen (git never compares /dev/null with itself); an empty list is a missing side.
  if (Array.isArray(a) && Array.isArray(b)) return { lines: [], changed: false };
  const [flowA, flowB] = [Array.isArray(a) ? undefined : a.flow, Array.isArray(b) ? undefined : b.flow];
  const diff = diffFlows(flowA ?? nothing(flowB!), flowB ?? nothing(flowA!));
  const header = [`--- ${before.label}`, `+++ ${after.label}`];
  if (!isEmptyDiff(diff)) return { lines: [...header, ...formatFlowDiff(diff)], changed: true };
  const [textA, textB] = [Array.isArray(a) ? '' : a.text, Array.isArray(b) ? '' : b.text];
  return { lines: textA === textB ? [] : [...header, '  (no semantic change: the files differ in formatting, comments or defaults spelled out)'], changed: false };
}

/** Options of `tributary diff`. */
interface DiffOptions {
  textconv?: boolean;
}

function print(lines: string[], stream: NodeJS.WriteStream): void {
  if (lines.length > 0) stream.write(`${lines.join('\n')}\n`);
}

/**
 * The action of `tributary diff`, by argument count: 2 (`A B`, exit 0/1/2), 7 or 9 (git's external diff: `path
 * old-file old-hex old-mode new-file new-hex new-mode [new-path rename-info]`, exit 0 when the files were compared, as
 * git expects of a diff driver without `trustExitCode`, 2 on trouble), or 1 with `--textconv` (canonical lines).
 */
async function diffAction(files: string[], options: DiffOptions): Promise<never> {
  const usage = (message: string): never => {
    process.stderr.write(`tributary diff: ${message}\n`);
    process.exit(DiffExitCode.trouble);
  };
  try {
    if (options.textconv === true) {
      if (files.length !== 1) usage(`--textconv takes one flow file (git passes it), got ${files.length}`);
      print(flowLines((await readFlowForDiff(files[0]!)).flow), process.stdout);
      process.exit(DiffExitCode.same);
    }
    if (files.length === 2) {
      const { lines, changed } = await diffFiles({ file: files[0]!, label: files[0]! }, { file: files[1]!, label: files[1]! });
      print(lines, process.stdout);
      process.exit(changed ? DiffExitCode.different : DiffExitCode.same);
    }
    if (files.length === 7 || files.length === 9) {
      const [path, oldFile, , , newFile] = files as [string, string, string, string, string];
      const newPath = files.length === 9 ? files[7]! : path;
      const label = (file: string, prefix: string, name: string): string => (file === NULL_FILE ? NULL_FILE : `${prefix}/${name}`);
      const { lines } = await diffFiles({ file: oldFile, label: label(oldFile, 'a', path) }, { file: newFile, label: label(newFile, 'b', newPath) });
      print(lines, process.stdout);
      process.exit(DiffExitCode.same);
    }
    return usage(`expected two flow files (A B), git's 7 or 9 external-diff arguments, or --textconv FILE; got ${files.length} argument(s)`);
  } catch (error) {
    if (!(error instanceof RefusedFlowError)) throw error;
    print(error.lines, process.stderr);
    process.exit(DiffExitCode.trouble);
  }
}

/** The `diff` command, for `program.addCommand` in runtime/cli.ts. */
export function createDiffCommand(): Command {
  return new Command('diff')
    .description(
      'compare two flow files node by node: nodes added, removed or renamed, config fields old → new, edges added or removed, ' +
        'settings, and moved nodes in one line; exit 0 same, 1 different, 2 a file refused (also a git diff driver and textconv, docs/flow-diff.md)',
    )
    .argument('<files...>', 'A B (old, new); or the 7 arguments git gives an external diff; or one file with --textconv')
    .addOption(new Option('--textconv', 'print one flow file as canonical lines for git diff.<driver>.textconv'))
    .action((files: string[], options: DiffOptions) => diffAction(files, options));
}
