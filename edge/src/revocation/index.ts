export { REVOCATIONS_PATH, type RevocationNotice, type RevocationOptions, revocationSigningInput, revocations } from './revocation'
