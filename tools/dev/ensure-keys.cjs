#!/usr/bin/env node
'use strict';
// Creates the local development keys in .parley/keys/ when they are missing (never overwrites):
//   jwt-private.pem   ES256 (P-256) private key, PKCS#8 PEM      (JWT_PRIVATE_KEY_FILE, auth)
//   jwt-public.pem    matching SPKI PEM public key               (JWT_PUBLIC_KEY_FILE, auth + chat-gateway)
//   message-keys      "k1:<base64 of 32 random bytes>"           (MESSAGE_ENCRYPTION_KEYS_FILE, message-store)
// Files are mode 600, the directory 700. Existing files are validated. Key material is never printed.
// Usage: node tools/dev/ensure-keys.cjs [--dir <dir>] [--quiet]
// Also usable from tests: require('tools/dev/ensure-keys.cjs').ensureKeys(dir) -> { privateKeyFile, ... }

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const DEFAULT_DIR = path.join(ROOT, '.parley', 'keys');

function writeSecret(file, content) {
  // 'wx': fail instead of clobbering a file that appeared concurrently.
  fs.writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
  fs.chmodSync(file, 0o600);
}

function loadPrivate(file) {
  const key = crypto.createPrivateKey(fs.readFileSync(file));
  const d = key.asymmetricKeyDetails || {};
  if (key.asymmetricKeyType !== 'ec' || d.namedCurve !== 'prime256v1') {
    throw new Error(`${file} is not an EC P-256 private key (ES256)`);
  }
  return key;
}

function validateMessageKeys(file) {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) throw new Error(`${file} is empty`);
  lines.forEach((line, i) => {
    const m = /^([A-Za-z0-9_.-]+):([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m || Buffer.from(m[2], 'base64').length !== 32) {
      throw new Error(`${file} line ${i + 1} is not "keyId:<base64 of 32 bytes>"`);
    }
  });
}

/** Ensures the three key files exist in `dir`; returns their paths and what was created. */
function ensureKeys(dir = DEFAULT_DIR) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const privateKeyFile = path.join(dir, 'jwt-private.pem');
  const publicKeyFile = path.join(dir, 'jwt-public.pem');
  const messageKeysFile = path.join(dir, 'message-keys');
  const created = [];

  const hasPriv = fs.existsSync(privateKeyFile);
  const hasPub = fs.existsSync(publicKeyFile);
  if (!hasPriv) {
    if (hasPub) throw new Error(`${publicKeyFile} exists without ${privateKeyFile}: remove it to regenerate the pair`);
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeSecret(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeSecret(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
    created.push('jwt-private.pem', 'jwt-public.pem');
  } else {
    const priv = loadPrivate(privateKeyFile);
    const derivedPub = crypto.createPublicKey(priv).export({ type: 'spki', format: 'pem' });
    if (!hasPub) {
      writeSecret(publicKeyFile, derivedPub);
      created.push('jwt-public.pem');
    } else {
      const pub = crypto.createPublicKey(fs.readFileSync(publicKeyFile)).export({ type: 'spki', format: 'pem' });
      if (pub !== derivedPub) throw new Error(`${publicKeyFile} does not match ${privateKeyFile}`);
    }
  }

  if (!fs.existsSync(messageKeysFile)) {
    writeSecret(messageKeysFile, `k1:${crypto.randomBytes(32).toString('base64')}\n`);
    created.push('message-keys');
  } else {
    validateMessageKeys(messageKeysFile);
  }
  for (const f of [privateKeyFile, publicKeyFile, messageKeysFile]) {
    if ((fs.statSync(f).mode & 0o077) !== 0) fs.chmodSync(f, 0o600);
  }
  return { dir, privateKeyFile, publicKeyFile, messageKeysFile, created };
}

module.exports = { ensureKeys, DEFAULT_DIR };

if (require.main === module) {
  const argv = process.argv.slice(2);
  const quiet = argv.includes('--quiet');
  const i = argv.indexOf('--dir');
  const dir = i >= 0 ? path.resolve(argv[i + 1] || '') : DEFAULT_DIR;
  try {
    const r = ensureKeys(dir);
    if (!quiet) {
      const fromRoot = path.relative(ROOT, r.dir);
      const rel = fromRoot && !fromRoot.startsWith('..') && !path.isAbsolute(fromRoot) ? fromRoot : r.dir;
      console.log(r.created.length ? `[keys] created ${r.created.join(', ')} in ${rel}` : `[keys] present in ${rel}`);
    }
  } catch (e) {
    console.error(`[keys] ERROR: ${e.message}`);
    process.exit(1);
  }
}
