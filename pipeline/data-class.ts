import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { GeobundleError, errorMessage } from '../core/errors.ts';
import { projectRoot } from './paths.ts';
import type { DataClassName } from '../core/types.ts';

/** A data-class spec, as declared in manifests/classes/<class>.json (see manifests/data-class.schema.json). */
export interface DataClassSpec {
  class: DataClassName;
  title: string;
  description?: string;
  id: {
    scheme: 'cd-geoid' | 'ocd-division' | 'fips';
    digits?: number;
    chamber?: string;
    properties?: string[];
    path?: string;
  };
  state_fips: 'id-prefix' | 'ocd-state';
  name: { properties?: string[]; fallback?: 'cd-title' | 'state-name' | 'district' };
  census_key?: { column?: string };
  vintage?: { properties?: string[] };
  /** Regular expression over absolute paths: the files of a directory tree that belong to this class. */
  files?: string;
}

const CLASSES_DIR = path.join(projectRoot, 'manifests', 'classes');
const SCHEMA_PATH = path.join(projectRoot, 'manifests', 'data-class.schema.json');

let validateSpec: ReturnType<Ajv2020['compile']> | undefined;

function readSpec(file: string): DataClassSpec {
  validateSpec ??= new Ajv2020({ allErrors: true }).compile(JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8')));
  let spec: unknown;
  try {
    spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new GeobundleError(`data-class spec ${file} is not valid JSON: ${errorMessage(err)}`);
  }
  if (!validateSpec(spec)) {
    const why = (validateSpec.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new GeobundleError(`data-class spec ${file} is invalid: ${why}`);
  }
  const typed = spec as DataClassSpec;
  if (`${typed.class}.json` !== path.basename(file)) {
    throw new GeobundleError(
      `data-class spec ${file} declares class "${typed.class}"; the file must be named ${typed.class}.json`,
    );
  }
  return typed;
}

/** Every declared class, in name order. */
function listDataClasses(dir = CLASSES_DIR): DataClassSpec[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readSpec(path.join(dir, f)));
}

/** A data-class name is a plain lowercase identifier: it names files, URL segments and SQL tables. */
export function isDataClassName(name: string): boolean {
  return /^[a-z][a-z0-9_]*$/.test(name);
}

/** The spec of one class; an unknown class is an error that lists the known ones. */
export function loadDataClass(name: string, dir = CLASSES_DIR): DataClassSpec {
  const file = path.join(dir, `${name}.json`);
  if (!isDataClassName(name) || !fs.existsSync(file)) {
    const known = listDataClasses(dir)
      .map((s) => s.class)
      .join(', ');
    throw new GeobundleError(
      `unknown data class "${name}" (known: ${known}); a class is declared by a file in manifests/classes/`,
    );
  }
  return readSpec(file);
}
