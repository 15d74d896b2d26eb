export { requestContext } from './request-context'
