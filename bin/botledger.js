#!/usr/bin/env node
// The botledger command. Sources are TypeScript run through tsx, so there is no build step
// to forget: `npm ci` is the whole installation.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
