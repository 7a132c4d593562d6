/** The peers' executables: Debian's ogr2ogr on PATH, and the mapshaper the build itself runs. */
import path from 'node:path';
import { projectRoot } from '../pipeline/paths.ts';

export const MAPSHAPER = path.join(projectRoot, 'node_modules', '.bin', 'mapshaper');
