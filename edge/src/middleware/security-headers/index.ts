export { securityHeaders, SEED_SECURITY_HEADERS } from "./security-headers";
