/**
 * Reading a flow file's text (Node-only), as every command that takes a flow file does: at most 5 MB
 * ({@link MAX_FLOW_BYTES}), valid UTF-8, each refusal one located problem.
 */
import { readFile, stat } from 'node:fs/promises';
import { FlowProblemsError, type Problem } from './common/errors';
import { MAX_FLOW_BYTES } from './common/flow';
import { decodeFileText } from './common/utf8-decode';

/**
 * The text of the flow file `file`.
 * @throws FlowProblemsError with one problem: the file cannot be read (E_FLOW_PARSE, with its errno code), it is larger
 *   than 5 MB (E_FLOW_LIMIT), or it is not valid UTF-8 (E_FLOW_PARSE at the line and column of the first bad byte)
 */
export async function readFlowFileText(file: string): Promise<string> {
  const refuse = (problem: Problem): never => {
    throw new FlowProblemsError([problem], file);
  };
  let size = 0;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    refuse({ code: 'E_FLOW_PARSE', path: '', message: `cannot read the flow file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
  }
  if (size > MAX_FLOW_BYTES) refuse({ code: 'E_FLOW_LIMIT', path: '', message: `flow files are limited to 5 MB (this one is ${size} bytes)` });
  const decoded = decodeFileText(await readFile(file));
  if (!decoded.ok) {
    return refuse({
      code: 'E_FLOW_PARSE',
      path: '',
      message: `the flow file is not valid UTF-8 (byte ${decoded.offset}); save it as UTF-8`,
      line: decoded.line,
      column: decoded.column,
    });
  }
  return decoded.text;
}
