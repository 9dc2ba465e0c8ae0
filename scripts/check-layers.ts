/**
 * `npm run lint:layers` (and a step of `npm test`): checks the layer rules of `.dependency-cruiser.cjs` on resolved
 * import paths. Prints one line per violation and exits 1 when there is any, 0 otherwise.
 */
import { findLayerViolations, formatLayerViolation } from './layer-violations';

const violations = await findLayerViolations();
for (const violation of violations) console.error(`error: ${formatLayerViolation(violation)}`);
if (violations.length > 0) {
  console.error(`${violations.length} layer violation(s); see README "Layers" and .dependency-cruiser.cjs`);
  process.exit(1);
}
console.log('layers: no violations');
