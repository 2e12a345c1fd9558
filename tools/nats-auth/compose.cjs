#!/usr/bin/env node
// Writes the NATS configuration and the apps' NATS passwords docker/compose.yml mounts
// (.parley/compose/nats). Run it once before `docker compose up`. See nats-server-config.cjs for
// how TypeScript loads.
'use strict';
const { join } = require('node:path');

process.env.SWC_NODE_PROJECT = join(__dirname, '../../tsconfig.base.json');
require('@swc-node/register');
require('./compose-main.ts');
