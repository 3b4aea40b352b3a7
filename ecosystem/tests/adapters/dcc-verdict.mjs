// Turns what `verify-dcc.mjs --json` prints for one credential (DCC verifier-core's result) into the verdict the
// harness's command adapter reads: {"verified": bool, "errors": [...]}. When there is no result to read (the
// verifier crashed and printed nothing, or something that is not JSON), it gives no verdict: it exits 2, which the
// harness reports as "no verdict", never as a rejection. A credential is accepted when its signature
// verified and neither its expiration nor its revocation status was found invalid or left undetermined — what a
// displayer built on verifier-core shows as valid. `registered_issuer` is left out: no issuer registry is
// reachable offline, so it is never valid here.
let input = '';
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  let result;
  try { result = JSON.parse(input); } catch (e) {
    console.error(`no verifier result to read: ${input.slice(0, 200)}`);
    process.exit(2);
  }
  const log = result.log || [];
  const judged = ['valid_signature', 'expiration', 'revocation_status'];
  const failed = log
    .filter(entry => judged.includes(entry.id) && entry.valid !== true)
    .map(entry => entry.error ? `${entry.id}: ${entry.error.message || entry.error.name}` : `${entry.id} invalid`);
  const signed = log.some(entry => entry.id === 'valid_signature' && entry.valid === true);
  const errors = (result.errors || []).map(e => `${e.name}: ${e.message}`).concat(failed);
  console.log(JSON.stringify({verified: signed && errors.length === 0, errors}));
});
