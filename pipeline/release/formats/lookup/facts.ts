/**
 * The facts files of a release: one per district with a census or
 * wikipedia row (its census and wikipedia as all.geojson has them), a
 * directory per class and state naming each district's file, and a root
 * naming each directory — so the facts of a found district cost three small
 * files, and a daily Wikipedia release writes only the files of the
 * districts whose facts changed (and the directories and root above them).
 */
import { FACTS_FORMAT, type FactsRoot } from '../../../../core/lookup-format.ts';
import type { ClassPlan } from '../../plan/class-plan.ts';
import { joinedJson } from '../bundles/feature.ts';
import type { LookupSink, StoredJson } from './lookup-files.ts';

export interface BuiltFacts {
  root: StoredJson;
  files: number;
}

/** Writes the facts of `plans` (every class, in order) to `sink`; null when no class has any. */
export function writeFacts(plans: readonly ClassPlan[], sink: LookupSink): BuiltFacts | null {
  const root: FactsRoot = { format: FACTS_FORMAT, classes: {} };
  let files = 0;
  for (const plan of plans) {
    const { dataClass } = plan;
    const directories = new Map<string, Record<string, string>>();
    for (const f of plan.features) {
      const census = joinedJson(dataClass, f.id, 'census', f.census);
      const wikipedia = joinedJson(dataClass, f.id, 'wikipedia', f.wikipedia);
      if (!census && !wikipedia) continue;
      const text =
        `{"format":${JSON.stringify(FACTS_FORMAT)},"class":${JSON.stringify(dataClass)},"id":${JSON.stringify(f.id)},` +
        `"census":${census?.text ?? 'null'},"wikipedia":${wikipedia?.text ?? 'null'}}`;
      const state = f.stateFips ?? '';
      const ids = directories.get(state) ?? {};
      ids[f.id] = sink.put('facts', text).sha256;
      directories.set(state, ids);
      files += 1;
    }
    if (directories.size === 0) continue;
    const states: Record<string, string> = {};
    for (const state of [...directories.keys()].sort()) {
      const directory = { format: FACTS_FORMAT, class: dataClass, state, ids: directories.get(state)! };
      states[state] = sink.put('facts', JSON.stringify(directory)).sha256;
      files += 1;
    }
    root.classes[dataClass] = states;
  }
  if (files === 0) return null;
  return { root: sink.put('facts', JSON.stringify(root)), files: files + 1 };
}
