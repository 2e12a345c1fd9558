#!/usr/bin/env node
// Writes a nats-server configuration with one identity per app and the permissions derived from
// libs/contracts (docs/security.md). Those are TypeScript: @swc-node/register (a devDependency)
// compiles them as they load, so there is nothing to build first. Usage: see main.ts.
'use strict';
const { join } = require('node:path');

process.env.SWC_NODE_PROJECT = join(__dirname, '../../tsconfig.base.json');
require('@swc-node/register');
require('./main.ts');
