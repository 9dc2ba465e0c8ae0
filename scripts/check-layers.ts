/**
 * `npm run lint:layers` (and a step of `npm test`): checks the layer rules of `.dependency-cruiser.cjs` on resolved
 * import paths. Prints one line per violation; known ones (`KNOWN_LAYER_VIOLATIONS`) are printed with their reason and
 * do not fail the check. Exits 1 when there is any other violation, 0 otherwise.
 */
import { compareWithKnown, findLayerViolations, formatLayerViolation } from './layer-violations';

const report = compareWithKnown(await findLayerViolations());
for (const { violation, reason } of report.known) console.log(`known: ${formatLayerViolation(violation)} (allowed for now: ${reason})`);
for (const entry of report.gone) {
  console.log(`known violation no longer found, delete it from KNOWN_LAYER_VIOLATIONS (scripts/layer-violations.ts): ${entry.from} -> ${entry.to}: ${entry.rule}`);
}
for (const violation of report.unexpected) console.error(`error: ${formatLayerViolation(violation)}`);
if (report.unexpected.length > 0) {
  console.error(`${report.unexpected.length} layer violation(s); see README "Layers" and .dependency-cruiser.cjs`);
  process.exit(1);
}
console.log(`layers: no violations${report.known.length > 0 ? ` besides ${report.known.length} known` : ''}`);
