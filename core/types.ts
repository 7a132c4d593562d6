/**
 * What the data is, for every layer from ingest to the browser. Type-only
 * and free of Node APIs: the browser client imports it too.
 */

/** Name of a data class, as declared by a spec in manifests/classes/ (e.g. `congressional_districts`). */
export type DataClassName = string;

/**
 * The id of a feature within its class: a Census GEOID for congressional
 * districts (`"0639"`), counties (`"06037"`) and states (`"06"`), an Open Civic
 * Data division id for state legislative districts.
 */
export type FeatureId = string;

/** A Census 4-digit congressional district GEOID: state FIPS + district (`00` at-large, `98` delegate). */
export type Geoid = string;

/** Two-digit state FIPS code, e.g. `"06"` for California. */
export type StateFips = string;

/** A release version, always `vMAJOR.MINOR.PATCH`. */
export type ReleaseVersion = `v${number}.${number}.${number}`;
