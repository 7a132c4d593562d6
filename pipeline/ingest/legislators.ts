import fs from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { load } from 'js-yaml';
import { appendNullable, inTransaction } from '../sql.ts';
import { GeobundleError, errorMessage } from '../../core/errors.ts';
import { congressionalGeoid } from '../identity.ts';
import { stateByPostal } from '../../core/states.ts';
import type { Geoid } from '../../core/types.ts';
import { byteOrder } from '../../core/byte-order.ts';

/** Representatives sit in House districts; the class's ids are Census GEOIDs. */
const DATA_CLASS = 'congressional_districts';

/** What `ingest legislators` owns in the wikipedia table (docs/database.md, "wikipedia"): nothing else is written. */
export interface Representative {
  id: Geoid;
  representative: string;
  party: string | null;
  /** The member's English Wikipedia article title (id.wikipedia). */
  representativeTitle: string | null;
}

export interface LegislatorsIngestSummary {
  dataClass: string;
  /** Districts that now have a representative. */
  representatives: number;
  /** Districts whose earlier representative is no longer in the file (their three columns set to NULL). */
  cleared: number;
}

interface Term {
  type?: unknown;
  state?: unknown;
  district?: unknown;
  party?: unknown;
}

interface Legislator {
  id?: { bioguide?: unknown; wikipedia?: unknown };
  name?: { official_full?: unknown; first?: unknown; last?: unknown };
  terms?: Term[];
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;

/**
 * The current House members of a unitedstates/congress-legislators file: every
 * entry whose last term is `type: rep`, keyed by the GEOID of that term's
 * district (0 is at-large → 00; DC and the territories → 98). Pure: it
 * checks the parsed YAML before ingestLegislators touches the database.
 */
function currentRepresentatives(legislators: unknown, file: string): Representative[] {
  if (!Array.isArray(legislators))
    throw new GeobundleError(`${file}: expected a YAML list of legislators at the top level`);
  const byId = new Map<Geoid, { rep: Representative; where: string }>();
  for (const [index, entry] of (legislators as Legislator[]).entries()) {
    const who = text(entry?.id?.bioguide) ?? text(entry?.name?.official_full);
    const where = `${file}: legislator ${index}${who ? ` (${who})` : ''}`;
    const terms = entry?.terms;
    if (!Array.isArray(terms) || terms.length === 0) throw new GeobundleError(`${where}: "terms" is missing or empty`);
    const term = terms[terms.length - 1]!;
    if (term.type !== 'rep') continue;
    const state = typeof term.state === 'string' ? stateByPostal(term.state) : undefined;
    if (!state)
      throw new GeobundleError(
        `${where}: last term's "state" ${JSON.stringify(term.state)} is not a known state or territory`,
      );
    if (!Number.isInteger(term.district) || (term.district as number) < 0) {
      throw new GeobundleError(
        `${where}: last term's "district" ${JSON.stringify(term.district)} is not a district number (0 for at-large)`,
      );
    }
    const name =
      text(entry.name?.official_full) ?? [text(entry.name?.first), text(entry.name?.last)].filter(Boolean).join(' ');
    if (!name) throw new GeobundleError(`${where}: "name" has neither official_full nor first/last`);
    const id = congressionalGeoid(state, term.district as number);
    const earlier = byId.get(id);
    if (earlier)
      throw new GeobundleError(
        `${where}: district ${id} (${state.postal}-${term.district}) already has a representative (${earlier.where.slice(file.length + 2)})`,
      );
    byId.set(id, {
      rep: { id, representative: name, party: text(term.party), representativeTitle: text(entry.id?.wikipedia) },
      where,
    });
  }
  if (byId.size === 0)
    throw new GeobundleError(`${file}: no current House members (no legislator whose last term is "type: rep")`);
  return [...byId.values()].map((v) => v.rep).sort((a, b) => byteOrder(a.id, b.id));
}

const NEW_REPS = '__geobundle_representatives';

/**
 * `geobundle ingest legislators`: sets representative, party and
 * representative_title of every congressional district in the wikipedia
 * table — and only those columns, so the article facts written by
 * refresh-wikipedia survive. Districts no longer in the file get NULLs.
 */
export async function ingestLegislators(connection: DuckDBConnection, file: string): Promise<LegislatorsIngestSummary> {
  let parsed: unknown;
  try {
    parsed = load(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const what = (err as NodeJS.ErrnoException).code ? 'cannot read' : 'malformed YAML';
    throw new GeobundleError(`${file}: ${what}: ${errorMessage(err).split('\n')[0]}`, { cause: err });
  }
  const reps = currentRepresentatives(parsed, file);

  return inTransaction(connection, async () => {
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE ${NEW_REPS} (id VARCHAR PRIMARY KEY, representative VARCHAR, party VARCHAR, representative_title VARCHAR)`,
    );
    const appender = await connection.createAppender(NEW_REPS, 'main', 'temp');
    for (const r of reps) {
      appender.appendVarchar(r.id);
      appender.appendVarchar(r.representative);
      appendNullable(appender, r.party);
      appendNullable(appender, r.representativeTitle);
      appender.endRow();
    }
    appender.closeSync();
    // The UPDATE clears only districts the upsert below does not touch, so no row changes twice.
    const cleared = await connection.run(
      `UPDATE wikipedia SET representative = NULL, party = NULL, representative_title = NULL
       WHERE data_class = $1 AND id NOT IN (SELECT id FROM ${NEW_REPS})
         AND (representative IS NOT NULL OR party IS NOT NULL OR representative_title IS NOT NULL)`,
      [DATA_CLASS],
    );
    await connection.run(
      `INSERT INTO wikipedia (data_class, id, representative, party, representative_title)
       SELECT $1, id, representative, party, representative_title FROM ${NEW_REPS}
       ON CONFLICT (data_class, id) DO UPDATE SET
         representative = excluded.representative, party = excluded.party, representative_title = excluded.representative_title`,
      [DATA_CLASS],
    );
    await connection.run(`DROP TABLE ${NEW_REPS}`);
    return { dataClass: DATA_CLASS, representatives: reps.length, cleared: Number(cleared.rowsChanged) };
  });
}
