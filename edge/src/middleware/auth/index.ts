export { auth, type AuthOptions } from "./auth";
export { apiKeyVerifier, type ApiKeyVerifier, API_KEY_PREFIX } from "./api-key";
