/** Names of flow test files: which flow file a test file belongs to by name, and the other way round. No imports. */

/** `orders.flow.yaml` -> `orders.test.yaml` (also `.flow.yml` and `.flow.json`; other names get `.test.yaml` appended). */
export function testFileFor(flowFile: string): string {
  const m = /^(.*?)\.flow\.(ya?ml|json)$/i.exec(flowFile);
  return `${m === null ? flowFile.replace(/\.(ya?ml|json)$/i, '') : m[1]}.test.yaml`;
}

/** True for a test file name (`*.test.yaml` / `*.test.yml`). */
export function isTestFileName(file: string): boolean {
  return /\.test\.ya?ml$/i.test(file);
}
