export { SEED_SECURITY_HEADERS, securityHeaders } from './security-headers'
