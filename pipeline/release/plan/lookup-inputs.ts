/**
 * What the lookup index and the facts files of a release are made from,
 * as input fingerprints over every class: the index from each district's
 * id, name, state and geometry (so a release that changed only facts keeps
 * every lookup file and URL), the facts from each district's census and
 * wikipedia rows.
 */
import { FACTS_WRITER, LOOKUP_WRITER } from '../formats/lookup.ts';
import type { ClassPlan } from './class-plan.ts';
import { type BuildSettings, fingerprintHeader } from './fingerprint.ts';

export function lookupIndexFingerprint(plans: readonly ClassPlan[], settings: BuildSettings): string {
  const digest = fingerprintHeader(settings).add('lookup index', LOOKUP_WRITER);
  for (const plan of plans) {
    digest.add(plan.dataClass, plan.features.length);
    for (const f of plan.features) digest.add(f.id, f.name, f.stateFips, f.geometrySha256);
  }
  return digest.value();
}

export function factsFingerprint(plans: readonly ClassPlan[], settings: BuildSettings): string {
  const digest = fingerprintHeader(settings).add('lookup facts', FACTS_WRITER);
  for (const plan of plans) {
    digest.add(plan.dataClass, plan.features.length);
    for (const f of plan.features) digest.add(f.id, f.stateFips, f.census, f.wikipedia);
  }
  return digest.value();
}
