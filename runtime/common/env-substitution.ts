/**
 * Environment substitution in flow files: `${VAR}` and `${VAR:-default}` references in string values, `$${` for a
 * literal `${`. Browser-safe: no Node imports (the environment is passed in).
 */

/** The result of {@link substituteEnv}: the substituted text and the variables that were not set and had no default. */
export interface SubstituteResult {
  value: string;
  /** Names of the referenced variables that are not set and have no default, in order of appearance, unique. */
  missing: string[];
}

const ENV_REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Substitutes `${VAR}` and `${VAR:-default}` in a string from `env`. `$${` stands for a literal `${`. As in the shell,
 * the default is used when the variable is unset or empty. Text that is not such a reference (e.g. `${value.id}` in a
 * JavaScript template literal) is left as it is.
 * @param value the string to substitute into
 * @param env the environment, e.g. `process.env`
 * @returns the substituted string; each missing variable (unset, no default) is replaced by `''` and listed in `missing`
 */
export function substituteEnv(value: string, env: Record<string, string | undefined>): SubstituteResult {
  const missing: string[] = [];
  const out = value.replace(ENV_REFERENCE, (match: string, name: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return '${';
    const set = Object.hasOwn(env, name) ? env[name] : undefined;
    if (fallback !== undefined) return set === undefined || set === '' ? fallback : set;
    if (set === undefined) {
      if (!missing.includes(name)) missing.push(name);
      return '';
    }
    return set;
  });
  return { value: out, missing };
}
