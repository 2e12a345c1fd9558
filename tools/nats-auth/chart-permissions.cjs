#!/usr/bin/env node
// Writes helm/parley/files/nats-permissions.json from libs/contracts (run it after adding a NATS
// subject; deploy-checks fails until you do). See nats-server-config.cjs for how TypeScript loads.
'use strict';
const { join } = require('node:path');

process.env.SWC_NODE_PROJECT = join(__dirname, '../../tsconfig.base.json');
require('@swc-node/register');
require('./chart-permissions-main.ts');
