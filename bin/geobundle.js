#!/usr/bin/env node
// The CLI is TypeScript run through tsx so a checkout needs no build step;
// `npx geobundle` and `make` targets both come through here.
import { register } from 'tsx/esm/api';

register();
await import('../pipeline/cli.ts');
