#!/usr/bin/env node
// The token attack list of @auth-bus/token-verifier/testing (`attackCases`), for callers that
// are not TypeScript — the Python fault tests run the very same list through the Streamlit
// host's onStatusUpdate path.
//
//   echo '{"accessToken":"…","idToken":"…","expiredToken":"…","jwk":{…}}' | node faults/tools/attack-list.cjs
//   → [{"name":"no token","reasons":["missing"]},{"name":"garbage","token":"this-is-not-a-jwt",…},…]
//
// Reads libs/token-verifier's build (dist/testing); `nx run token-verifier:build` makes it.
'use strict';
const path = require('node:path');

const dist = path.join(__dirname, '..', '..', 'libs', 'token-verifier', 'dist', 'testing', 'index.js');
let testing;
try {
  testing = require(dist);
} catch (err) {
  process.stderr.write(`cannot load ${dist} (build token-verifier first: npx nx run token-verifier:build): ${err.message}\n`);
  process.exit(2);
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { accessToken, idToken, expiredToken, jwk } = JSON.parse(input);
  const cases = testing.attackCases({ accessToken, idToken, expiredToken, publicKeyPem: testing.jwkToPem(jwk) });
  process.stdout.write(`${JSON.stringify(cases)}\n`);
});
