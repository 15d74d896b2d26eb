export { API_KEY_PREFIX, type ApiKeyVerifier, apiKeyVerifier } from './api-key'
export { type AuthOptions, auth } from './auth'
