/**
 * zod issues turned into paths and messages a flow author understands: one per unknown key with a suggestion, missing
 * fields named, bad record keys with the key's own message. Used by the loader (flow schema) and the compiler (node
 * configs). Browser-safe: no Node imports.
 */
import { z } from 'zod';
import { valueAt, type PathSegments } from './flow-path';
import { didYouMean } from './suggestions';

/** A zod issue turned into a path and a message, one per unknown key. */
export interface SchemaIssue {
  path: PropertyKey[];
  message: string;
  /** True when the problem is the key itself (an unknown field), so its position is the key's, not the value's. */
  atKey?: boolean;
}

/** The schema reached by following `path` from `schema` through objects, arrays, records, wrappers and unions of one object. */
function schemaAt(schema: z.ZodType, path: PathSegments): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  const unwrap = (s: z.ZodType): z.ZodType => {
    let x = s;
    for (let i = 0; i < 20; i++) {
      if (x instanceof z.ZodDefault || x instanceof z.ZodPrefault || x instanceof z.ZodOptional || x instanceof z.ZodNullable) {
        x = x.unwrap() as z.ZodType;
      } else if (x instanceof z.ZodPipe) x = x.in as z.ZodType;
      else if (x instanceof z.ZodUnion) {
        // A union with one object option (`ssl: true | { ca, ... }`): its keys are the ones a key error is about.
        const objects = (x.options as z.ZodType[]).map(unwrap).filter((o) => o instanceof z.ZodObject);
        if (objects.length !== 1) break;
        x = objects[0]!;
      } else break;
    }
    return x;
  };
  for (const segment of path) {
    if (current === undefined) return undefined;
    current = unwrap(current);
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[String(segment)];
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return undefined;
  }
  return current === undefined ? undefined : unwrap(current);
}

/**
 * Turns zod issues into paths and messages a flow author understands: one issue per unknown key (`unknown field "x";
 * did you mean "y"?`), `required field is missing` for absent fields, and the key's own message for bad record keys.
 * @param issues `error.issues` of a failed `safeParse`
 * @param schema the schema that was parsed (for field-name suggestions)
 * @param data the value that was parsed (to tell missing fields from wrong ones)
 */
export function describeZodIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, data: unknown): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      const target = schemaAt(schema, path);
      const known = target instanceof z.ZodObject ? Object.keys(target.shape as object) : [];
      for (const key of issue.keys) {
        out.push({ path: [...path, key], message: `unknown field "${key}"${didYouMean(key, known)}`, atKey: true });
      }
    } else if (issue.code === 'invalid_type' && path.length > 0 && !valueAt(data, path).found) {
      out.push({ path, message: `required field "${String(path[path.length - 1])}" is missing` });
    } else if (issue.code === 'invalid_key') {
      const key = String(path[path.length - 1]);
      const inner = issue.issues[0]?.message ?? issue.message;
      out.push({ path, message: `invalid key "${key}": ${inner}` });
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}
