/**
 * Environment substitution in flow files: `${VAR}` and `${VAR:-default}` references in string values, `$${` for a
 * literal `${`. The Redpanda Connect spelling `${VAR:default}` is refused (reported, never kept as literal text): its
 * default differs from the shell's for a default that starts with `-`, so the file says `${VAR:-default}` instead.
 * Browser-safe: no Node imports (the environment is passed in).
 */

/** A `${VAR:default}` reference found by {@link substituteEnv}, with the spelling to write instead. */
export interface RefusedReference {
  /** The reference as written, e.g. `${KAFKA_BROKERS:127.0.0.1:9092}`. */
  reference: string;
  /** The same reference in the supported form, e.g. `${KAFKA_BROKERS:-127.0.0.1:9092}`. */
  replacement: string;
}

/** The result of {@link substituteEnv}: the substituted text and the references that could not be substituted. */
export interface SubstituteResult {
  value: string;
  /** Names of the referenced variables that are not set and have no default, in order of appearance, unique. */
  missing: string[];
  /** `${VAR:default}` references (Redpanda Connect style), in order of appearance, unique. */
  refused: RefusedReference[];
}

const ENV_REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*)|:([^}]*))?\}/g;

/**
 * Substitutes `${VAR}` and `${VAR:-default}` in a string from `env`. `$${` stands for a literal `${`. As in the shell,
 * the default is used when the variable is unset or empty. Text that is not such a reference (e.g. `${value.id}` in a
 * JavaScript template literal) is left as it is.
 * @param value the string to substitute into
 * @param env the environment, e.g. `process.env`
 * @returns the substituted string; each missing variable (unset, no default) is replaced by `''` and listed in
 *   `missing`; each `${VAR:default}` is replaced by `''` and listed in `refused` with its `${VAR:-default}` spelling
 */
export function substituteEnv(value: string, env: Record<string, string | undefined>): SubstituteResult {
  const missing: string[] = [];
  const refused: RefusedReference[] = [];
  const out = value.replace(
    ENV_REFERENCE,
    (match: string, name: string | undefined, fallback: string | undefined, colonDefault: string | undefined) => {
      if (name === undefined) return '${';
      if (colonDefault !== undefined) {
        if (!refused.some((r) => r.reference === match)) refused.push({ reference: match, replacement: `\${${name}:-${colonDefault}}` });
        return '';
      }
      const set = Object.hasOwn(env, name) ? env[name] : undefined;
      if (fallback !== undefined) return set === undefined || set === '' ? fallback : set;
      if (set === undefined) {
        if (!missing.includes(name)) missing.push(name);
        return '';
      }
      return set;
    },
  );
  return { value: out, missing, refused };
}
