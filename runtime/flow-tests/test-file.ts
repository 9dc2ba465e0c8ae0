/**
 * Flow test files (`<flow>.test.yaml`, documented in docs/flow-tests.md): their schema, reading them with every
 * problem as `file:line:col: message`, finding the flow a test file belongs to, and appending a case (what the studio's
 * "Save as test case" writes). Node-only (reads files).
 */
import { dirname, relative, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { formatPath } from '../common/flow-path';
import { YamlLocator } from '../common/yaml-locator';
import { describeZodIssues } from '../common/zod-issues';
import { MATCHER_TAGS } from './matchers';

export { isTestFileName, testFileFor } from './test-file-names';

/** Time in a test file: ms since the epoch, or an ISO-8601 date-time with its offset (`2026-12-01T17:00:00Z`). */
const instant = z.union(
  [
    z.number().int().nonnegative(),
    z.iso.datetime({ offset: true }).transform((text) => Date.parse(text)),
  ],
  { error: 'expected ms since the epoch or an ISO-8601 date-time such as 2026-12-01T17:00:00Z' },
);

/** A header value: one string, or the values of a repeated header in order. */
const headerValue = z.union([z.string(), z.array(z.string())], { error: 'a header value is a string or a list of strings' });

/** A record a recorded source delivers. */
export const inputRecordSchema = z.strictObject({
  key: z.string().nullable().default(null),
  value: z.unknown().transform((v) => (v === undefined ? null : v)),
  headers: z.record(z.string(), headerValue).default({}),
  /** Record timestamp; default the case's `now`. */
  timestamp: instant.optional(),
  topic: z.string().min(1).optional(),
  partition: z.number().int().nonnegative().optional(),
  /** Where the record was read: a Kafka offset (decimal string or integer) or a Redis stream entry id (`1700000000000-0`). */
  offset: z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String).optional(),
  /** A record the source could not decode: it leaves through the source's error port. */
  error: z.strictObject({ message: z.string(), code: z.string().default('E_DECODE') }).optional(),
});

/** An expected record: only the fields given are compared; values may hold matchers (`!any`, `!regex ...`). */
export const expectedRecordSchema = z.strictObject({
  key: z.unknown().optional(),
  value: z.unknown().optional(),
  headers: z.unknown().optional(),
  timestamp: z.unknown().optional(),
  /** Of records on an error port: `{ nodeId, code, message }` (each optional, matchers allowed). */
  error: z.unknown().optional(),
});

/** One test case. */
export const testCaseSchema = z.strictObject({
  name: z.string().min(1, 'give the case a name'),
  /** What `Date.now()`, `new Date()` and `fn.now()` return while the case runs (ms); default 0 (1970-01-01). */
  now: instant.default(0),
  /** Records per source node id, delivered in order. */
  inputs: z.record(z.string(), z.array(inputRecordSchema)),
  /** Expected records per sink node id, and per error port as `<node id>.error`; keys left out are not checked. */
  expect: z.record(z.string(), z.array(expectedRecordSchema)),
});

/** The whole file. */
export const testFileSchema = z.strictObject({
  version: z.literal(1, { error: 'version must be 1' }).default(1),
  /** The flow file, relative to the test file; default `<name>.flow.yaml` (or `.flow.json`) next to it. */
  flow: z.string().min(1).optional(),
  /** Values of the flow's `${VAR}` references while testing (the environment is not read: tests are repeatable). */
  env: z.record(z.string(), z.string()).default({}),
  cases: z.array(testCaseSchema).min(1, 'a test file has at least one case'),
});

/** A parsed test file. */
export type TestFile = z.output<typeof testFileSchema>;
/** A parsed test case. */
export type TestCase = z.output<typeof testCaseSchema>;
/** A record of a case's inputs, parsed. */
export type InputRecord = z.output<typeof inputRecordSchema>;
/** An expected record, parsed. */
export type ExpectedRecord = z.output<typeof expectedRecordSchema>;

/** A test file that cannot be used; `lines` are `file:line:col: message`, one per problem. */
export class TestFileError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'TestFileError';
  }
}

/** A parsed test file and where its parts are (for messages that point into the file). */
export interface LoadedTestFile {
  file: string;
  test: TestFile;
  /** `file:line:col` of a path in the file, e.g. `['cases', 0, 'expect', 'print']`. */
  where(path: (string | number)[]): string;
}

/**
 * Parses a test file's text.
 * @param text the file's text
 * @param file its name, for messages
 * @throws TestFileError with every problem: YAML syntax, duplicate keys, bad matchers, schema (unknown and missing
 *   fields, wrong types), duplicate case names
 */
export function parseTestFile(text: string, file: string): LoadedTestFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, customTags: MATCHER_TAGS, prettyErrors: false });
  const locator = new YamlLocator(doc, lines);
  const where = (path: (string | number)[], atKey = false): string => {
    const p = locator.locate(path, atKey);
    return `${file}:${p.line}:${p.column}`;
  };
  if (doc.errors.length > 0) {
    throw new TestFileError(
      doc.errors.map((e) => {
        const p = lines.linePos(e.pos[0]);
        return `${file}:${p.line}:${p.col}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new TestFileError([`${file}:1:1: ${(error as Error).message}`]);
  }
  const parsed = testFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    throw new TestFileError(
      describeZodIssues(parsed.error.issues, testFileSchema, data).map((issue) => {
        const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
        return `${where(path, issue.atKey === true)}: ${path.length === 0 ? '' : `${formatPath(path)}: `}${issue.message}`;
      }),
    );
  }
  const seen = new Map<string, number>();
  const duplicates: string[] = [];
  parsed.data.cases.forEach((c, i) => {
    const first = seen.get(c.name);
    if (first !== undefined) duplicates.push(`${where(['cases', i, 'name'])}: cases[${i}].name: "${c.name}" is also the name of cases[${first}]`);
    else seen.set(c.name, i);
  });
  if (duplicates.length > 0) throw new TestFileError(duplicates);
  return { file, test: parsed.data, where: (path) => where(path) };
}

/**
 * The flow files a test file may belong to, first match wins: its `flow` field (relative to the test file), else
 * `<name>.flow.yaml`, `<name>.flow.yml` and `<name>.flow.json` next to it.
 */
export function flowCandidates(testFile: string, flowField: string | undefined): string[] {
  if (flowField !== undefined) return [resolve(dirname(testFile), flowField)];
  const base = testFile.replace(/\.test\.ya?ml$/i, '');
  return [`${base}.flow.yaml`, `${base}.flow.yml`, `${base}.flow.json`];
}

/** A case as "Save as test case" writes it (plain data: records, matchers only where the capture put them). */
export interface CaseToWrite {
  name: string;
  now: number | string;
  inputs: Record<string, Record<string, unknown>[]>;
  expect: Record<string, Record<string, unknown>[]>;
}

const NEW_FILE_HEADER =
  ' Flow tests (docs/flow-tests.md): run them with `tributary test <this file or its flow>`.\n' +
  ' Cases saved by the studio hold the sampled inputs of the sources and what reached each sink and error port.';

/**
 * Appends a case to a test file's text, keeping what is there (comments, other cases), or starts a new file.
 * @param existing the file's current text, or undefined when there is no file yet
 * @param testFile the test file's path (to name the flow relative to it in a new file)
 * @param flowFile the flow file's path
 * @param testCase the case
 * @returns the new text
 * @throws TestFileError when the existing text is not a test file, or already has a case of that name
 */
export function appendTestCase(existing: string | undefined, testFile: string, flowFile: string, testCase: CaseToWrite): string {
  const options = { customTags: MATCHER_TAGS } as const;
  let doc: Document;
  if (existing === undefined || existing.trim() === '') {
    doc = parseDocument('', options);
    const defaultFlow = flowCandidates(testFile, undefined).includes(flowFile);
    doc.contents = doc.createNode({ version: 1, ...(defaultFlow ? {} : { flow: relative(dirname(testFile), flowFile) }), cases: [] });
    doc.commentBefore = NEW_FILE_HEADER;
  } else {
    const loaded = parseTestFile(existing, testFile);
    if (loaded.test.cases.some((c) => c.name === testCase.name)) {
      throw new TestFileError([`${testFile}: a case named "${testCase.name}" exists already; choose another name`]);
    }
    doc = parseDocument(existing, options);
  }
  const cases = doc.get('cases', true);
  if (!isSeq(cases)) throw new TestFileError([`${testFile}: cases is not a list`]);
  const node = doc.createNode(testCase);
  if (isMap(node)) node.spaceBefore = cases.items.length > 0;
  cases.items.push(node);
  return doc.toString({ lineWidth: 0 });
}
